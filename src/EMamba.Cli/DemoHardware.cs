using System.Globalization;
using System.Text;
using EMamba.Hardware;
using EMamba.Hardware.Cost;
using EMamba.Hardware.Report;
using EMamba.Hardware.Stages;
using Spectre.Console;

namespace EMamba.Cli;

/// <summary>The demo's stage 4 (docs/hardware.md): writes the INT8 model's accelerator to DIR/hw and
/// co-simulates <see cref="Frames"/> test samples in verilator against the integer engine; returns the
/// report's section. A design already in DIR/hw is reused; the simulator build is cached.</summary>
internal static class DemoHardware
{
    public const int Frames = 256;

    /// <summary>Frames the engine is timed on for the report's CPU comparison.</summary>
    public const int EngineFrames = 200;

    public static string Run(string model, string dir, string? data, CancellationToken ct)
    {
        string hw = Path.Combine(dir, "hw");
        if (Simulation.Missing(Simulator.Verilator) is { } tool)
            return $"\n\n## The accelerator (stage 4)\n\nSkipped: {tool} is not on PATH (build/setup.sh demo installs verilator).\n";
        if (!Directory.Exists(hw)) HwGenStage.Run(new HwGenStage.Request(model, null, hw, ConsoleStageObserver.Instance));
        var res = AnsiConsole.Progress().AutoClear(true).Start(p =>
        {
            var task = p.AddTask("co-simulating", maxValue: Frames);
            return HwSimStage.Run(new HwSimStage.Request(model, null, Frames, Simulator.Verilator, "test", data, null, ConsoleStageObserver.Instance,
                (done, total) => { task.MaxValue = total; task.Value = done; }), ct);
        });
        var cm = res.Model; var c = res.Config;
        bool exactCycles = res.Measured.All(x => x == cm.Total);
        var sb = new StringBuilder("\n\n## The accelerator (stage 4)\n\n");
        sb.Append(string.Create(CultureInfo.InvariantCulture,
            $"`emamba hw gen` wrote the INT8 model's Verilog to `{Path.GetFileName(dir)}/hw/` (default config: {c.Summary()}); "));
        sb.Append(string.Create(CultureInfo.InvariantCulture,
            $"`emamba hw sim --count {Frames} --sim verilator` ran the first {res.Samples:N0} test images through it: "));
        sb.Append(res.FirstMismatch is null ? $"all {res.Samples:N0} bit-exact against the integer engine" : $"{res.Mismatches:N0} differ from the integer engine (first: {res.FirstMismatch})");
        sb.Append(string.Create(CultureInfo.InvariantCulture,
            $"; measured {res.Measured.Min():N0} cycles per image{(exactCycles ? ", equal to the cycle model" : $" against the cycle model's {cm.Total:N0}")} ({cm.Microseconds(c):F1} us, {1e6 / cm.Microseconds(c):N0} images/s at {c.ClockMhz} MHz); "));
        sb.Append(string.Create(CultureInfo.InvariantCulture, $"initiation interval {cm.InitiationInterval} cycles per token ({cm.Bottleneck.Name}).\n\n"));
        sb.Append(cm.StageTable());
        sb.Append(Costs(model, dir));
        return sb.ToString();
    }

    /// <summary>The hardware figures of the model (`emamba hw report`, no synthesis: seconds) as the section's end.</summary>
    private static string Costs(string model, string dir)
    {
        var r = HwReportCommand.Produce(model, null, ReportSynth.None, null, EngineFrames, HwReportCommand.DefaultCpuWatts, EnergyTable.Gf22, Path.Combine(dir, "hw-report"));
        var rows = r.Baselines.Rows.Where(b => b.Name != "eMamba").ToList();
        string Range(Func<HwReport.BaselineRow, double> f) => string.Create(CultureInfo.InvariantCulture, $"{rows.Min(f):F2}-{rows.Max(f):F2}x");
        return string.Create(CultureInfo.InvariantCulture,
            $"\n`emamba hw report` (`{Path.GetFileName(dir)}/hw-report/report.md`): {r.Energy.Nanojoules:F1} nJ per inference and {r.Energy.Milliwatts:F2} mW at {r.Cycles.ClockMhz} MHz " +
            $"(estimated, band about 3x), {r.Area.Modelled.AreaMm2:F3} mm2 at 22 nm (modelled: {r.Area.Modelled.Multipliers:N0} multipliers, {r.Area.Modelled.MemoryBits:N0} memory bits; band 2x); " +
            $"the integer engine on this CPU {r.Engine.LatencyUs:F1} us per inference at batch 1 ({r.Engine.LatencyRatio:F1}x the accelerator's latency). " +
            $"The task's CNN and ViT baselines on an iso-multiplier array (estimated): latency {Range(b => b.LatencyRatio)}, energy {Range(b => b.EnergyRatio)}, area {Range(b => b.AreaRatio)} of eMamba's (the paper: {BaselineComparison.PaperText()}).\n");
    }
}
