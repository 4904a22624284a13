using System.CommandLine;
using System.Globalization;
using EMamba.Core;
using EMamba.Engine;
using EMamba.Hardware.Cost;
using EMamba.Hardware.Report;
using EMamba.Hardware.Stages;
using EMamba.Hardware.Synthesis;
using EMamba.Reports;
using Spectre.Console;

namespace EMamba.Cli;

/// <summary><c>emamba hw report</c>: one folder with every hardware figure of a quantized model (docs/cost.md, "Hardware
/// report"): cycles and schedule, energy and power, area (modelled, or synthesized with <c>--synth</c>), the integer
/// engine timed on this CPU, the public MARS designs and the CNN / ViT baselines; report.md, report.json and PNGs.</summary>
public static class HwReportCommand
{
    public const int DefaultFrames = 200, MaxFrames = 1_000_000;
    public const double DefaultCpuWatts = 15;

    public static Command Create(Option<string> model, Option<string?> config, Option<double> node, Option<double> volts)
    {
        var synth = SwitchOption.WithDefault("--synth", "Resources: none (the modelled area, fast), generic (yosys gates -> 22 nm area estimate) or xcup (yosys LUT/FF/DSP/BRAM beside the ZCU102); synthesis of a large model takes tens of minutes, results are cached.",
            ReportSynth.None, v => $"--synth '{v}' must be none, generic or xcup");
        var frames = new Option<int>("--engine-frames") { Description = $"Frames the integer engine is timed on, batch 1, after a warm-up (1..{MaxFrames:N0}).", DefaultValueFactory = _ => DefaultFrames };
        var watts = new Option<double>("--cpu-watts") { Description = $"The CPU power assumed for the engine's energy per inference (not measured; default {DefaultCpuWatts} W, a laptop/desktop-class package under one busy core).", DefaultValueFactory = _ => DefaultCpuWatts };
        var cache = new Option<string?>("--cache") { Description = "Synthesis result cache (default: ~/.cache/emamba/hw)." };
        var output = new Option<string>("--out") { Description = "Report folder: must not exist, be empty, or hold a previous hw report (which is replaced whole).", Required = true };
        var cmd = new Command("report", "Write a report folder (report.md, report.json, PNGs) of the accelerator's cycles, energy, area, the engine on this CPU and the baselines; every figure labelled measured or estimated.");
        foreach (var o in new Option[] { model, config, synth, node, volts, frames, watts, cache, output }) cmd.Options.Add(o);
        cmd.SetAction(r => App.Guard(_ =>
        {
            var table = HwCommand.Table(r.GetValue(node), r.GetValue(volts));
            int nf = r.GetValue(frames);
            double w = r.GetValue(watts);
            if (nf is < 1 or > MaxFrames) throw new EMambaException($"--engine-frames {nf}: must be 1..{MaxFrames}", ExitCodes.Usage);
            if (!(w is > 0 and <= 1000)) throw new EMambaException($"--cpu-watts {w}: must be in (0, 1000] W", ExitCodes.Usage);
            string outDir = Path.GetFullPath(r.GetValue(output)!);
            var report = Produce(r.GetValue(model)!, r.GetValue(config), r.GetValue(synth), r.GetValue(cache), nf, w, table, outDir);
            var cy = report.Cycles;
            AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"wrote {outDir}: {cy.Total:N0} cycles ({cy.LatencyUs:F2} us at {cy.ClockMhz} MHz, measured by the cycle model = RTL), {report.Energy.Nanojoules:F1} nJ and {report.Energy.Milliwatts:F2} mW (estimated), engine {report.Engine.LatencyUs:F1} us on this CPU ({report.Engine.LatencyRatio:F1}x the accelerator)")));
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    /// <summary>The report of a model on a config, written to <paramref name="outDir"/> (the demo's stage 4 calls it too).</summary>
    internal static HwReport Produce(string modelPath, string? config, ReportSynth synth, string? cache, int nf, double w, EnergyTable table, string outDir)
    {
        ReportFolder.Check(outDir);
        var (m, c) = HwGenStage.Load(modelPath, config);
        App.Info($"model {Path.GetFileName(modelPath)} ({m.Config.Task.ToString().ToLowerInvariant()}); config: {c.Summary()}, {c.ClockMhz.ToString(CultureInfo.InvariantCulture)} MHz");
        App.Info("generating the design (memory bits for the area model)");
        var d = HwGenStage.Generate(m, c);
        HwSynthStage.Result? synthesis = null;
        if (synth != ReportSynth.None)
            synthesis = HwSynthStage.Run(new HwSynthStage.Request(modelPath, config, synth == ReportSynth.Xcup ? SynthTarget.Xcup : SynthTarget.Generic,
                Cache: cache, Observer: ConsoleStageObserver.Instance));
        App.Info($"timing the integer engine: {nf:N0} frames at batch 1 after a warm-up");
        var engine = AnsiConsole.Progress().AutoClear(true).Start(p =>
        {
            var task = p.AddTask("integer engine", maxValue: nf);
            return EngineBench.Batch1(m, nf, done => task.Value = done);
        });
        App.Info("modelling energy, area and the baselines");
        var report = HwReportBuilder.Build(m, c, d, new HwReportBuilder.Inputs(modelPath, App.CommandLine, MachineInfo.Describe(), table, engine, MachineInfo.LoadAverage(), w, synthesis,
            [HwReportMarkdown.EnergyPng, HwReportMarkdown.BaselinesPng]));
        ReportFolder.Write(outDir, tmp => Write(tmp, report));
        return report;
    }

    /// <summary>Every file of the report into <paramref name="dir"/> (the temporary folder).</summary>
    private static void Write(string dir, HwReport r)
    {
        BarPlot.Bars(Path.Combine(dir, HwReportMarkdown.EnergyPng), $"{r.Model}: energy per inference by unit (estimated, {r.Energy.Nanojoules:F1} nJ in all)",
            "nJ per inference (estimated)", [.. r.Energy.Units.Select(u => (u.Unit, u.Picojoules / 1000))]);
        var rows = r.Baselines.Rows;
        BarPlot.Grouped(Path.Combine(dir, HwReportMarkdown.BaselinesPng), $"{r.Task}: baselines / eMamba (estimated; above 1 favours eMamba)", "ratio to eMamba",
            [.. rows.Select(b => b.Name)],
            [("latency", [.. rows.Select(b => b.LatencyRatio)]), ("energy", [.. rows.Select(b => b.EnergyRatio)]), ("area", [.. rows.Select(b => b.AreaRatio)])], unitLine: true);
        AtomicFile.WriteAllText(Path.Combine(dir, "report.json"), r.ToJson());
        AtomicFile.WriteAllText(Path.Combine(dir, "report.md"), HwReportMarkdown.Build(r));
    }
}
