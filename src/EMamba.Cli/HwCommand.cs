using System.CommandLine;
using System.Globalization;
using EMamba.Core;
using EMamba.Hardware;
using EMamba.Hardware.Cost;
using EMamba.Hardware.Stages;
using Spectre.Console;

namespace EMamba.Cli;

/// <summary><c>emamba hw</c>: the accelerator of a quantized model (docs/hardware.md): <c>gen</c> writes
/// its RTL folder, <c>sim</c> co-simulates it on data set samples against the integer engine.</summary>
public static class HwCommand
{
    public static Command Create()
    {
        var cmd = new Command("hw", "The generated accelerator of a quantized vision / radar model: RTL generation, bit-exact co-simulation, synthesis and cost.");
        cmd.Subcommands.Add(Gen());
        cmd.Subcommands.Add(Sim());
        cmd.Subcommands.Add(Cost());
        cmd.Subcommands.Add(HwSynthCommand.Create(ModelOption(), ConfigOption()));
        cmd.Subcommands.Add(HwSweepCommand.Create(ModelOption(), ConfigOption()));
        cmd.Subcommands.Add(HwReportCommand.Create(ModelOption(), ConfigOption(), NodeOption(), VoltsOption()));
        return cmd;
    }

    private static Option<string> ModelOption() => new("--model") { Description = "Quantized model (.q.safetensors from 'emamba quantize').", Required = true };
    private static Option<string?> ConfigOption() => new("--config") { Description = "Accelerator config JSON (linear_lanes, linear_rows, vector_lanes, ssm_lanes, state_lanes, stream_lanes, exp_units, norm_reciprocal, blocks, clock_mhz, top_name); defaults when omitted." };

    private static Option<double> NodeOption() => new("--node") { Description = "Process node in nm for the energy table's scaling (default: the eMamba chip's 22).", DefaultValueFactory = _ => 22 };
    private static Option<double> VoltsOption() => new("--volts") { Description = "Supply in volts (default: the chip's 0.8).", DefaultValueFactory = _ => 0.8 };

    /// <summary>The energy table at a node and supply, checked: a usage error outside 3..500 nm or 0.3..5 V.</summary>
    internal static EnergyTable Table(double nm, double v)
    {
        if (!(nm is >= 3 and <= 500)) throw new EMambaException($"--node {nm}: must be in 3..500 nm", ExitCodes.Usage);
        if (!(v is >= 0.3 and <= 5)) throw new EMambaException($"--volts {v}: must be in 0.3..5 V", ExitCodes.Usage);
        return new EnergyTable(nm, v);
    }

    private static Command Gen()
    {
        var model = ModelOption(); var config = ConfigOption();
        var output = new Option<string>("--out") { Description = "Folder to write (must not exist): rtl/, rom/, tb.v, Makefile, README.md.", Required = true };
        var cmd = new Command("gen", "Write the accelerator's Verilog, ROM images, testbench, Makefile and README for a quantized model.");
        foreach (var o in new Option[] { model, config, output }) cmd.Options.Add(o);
        cmd.SetAction(r => App.Guard(_ =>
        {
            var res = HwGenStage.Run(new HwGenStage.Request(r.GetValue(model)!, r.GetValue(config), r.GetValue(output)!, ConsoleStageObserver.Instance));
            AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"wrote {res.Files} files ({res.Bytes:N0} bytes) to {res.Out}; top {res.Config.TopName}")));
            PrintSchedule(res.Cycles, res.Config);
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    /// <summary>The config in one line, the cycle model's per-stage schedule as a table, and its summary.</summary>
    private static void PrintSchedule(CycleModel cm, AcceleratorConfig c)
    {
        AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"config: {c.Summary()}, {c.ClockMhz} MHz")));
        var t = new Table().Border(TableBorder.Simple);
        foreach (var h in new[] { "stage", "unit", "cycles/token", "starts token 0", "ends last token", "busy" }) t.AddColumn(h);
        foreach (var s in cm.Timings())
            t.AddRow(Markup.Escape(s.Stage.Name + (s.Stage.PerToken ? "" : " (once)")), s.Stage.Kind.ToString().ToLowerInvariant(),
                (s.Stage.Work + 1).ToString("N0", CultureInfo.InvariantCulture), s.FirstStart.ToString("N0", CultureInfo.InvariantCulture),
                s.LastEnd.ToString("N0", CultureInfo.InvariantCulture), (100 * s.Utilisation).ToString("F0", CultureInfo.InvariantCulture) + " %");
        AnsiConsole.Write(t);
        AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"cycle model: {cm.Total:N0} cycles per inference ({cm.Microseconds(c):F2} us, {1e6 / cm.Microseconds(c):N0} inferences/s at {c.ClockMhz} MHz); initiation interval {cm.InitiationInterval} cycles/token ({cm.Bottleneck.Name}), fill {cm.Fill:N0}, drain {cm.Drain:N0}")));
    }

    private static Command Cost()
    {
        var model = ModelOption(); var config = ConfigOption();
        var node = NodeOption(); var volts = VoltsOption();
        var baselines = new Option<bool>("--baselines") { Description = "Also model the task's CNN and ViT baselines on an iso-multiplier MAC array with the same tables (docs/cost.md, \"Baselines\")." };
        var cmd = new Command("cost", "Estimate the accelerator's dynamic energy per inference and its power from operation counts (docs/cost.md): a model, not a measurement.");
        foreach (var o in new Option[] { model, config, node, volts, baselines }) cmd.Options.Add(o);
        cmd.SetAction(r => App.Guard(_ =>
        {
            double nm = r.GetValue(node), v = r.GetValue(volts);
            var table = Table(nm, v);
            var (m, c) = HwGenStage.Load(r.GetValue(model)!, r.GetValue(config));
            var e = EnergyModel.Of(m, c, table);
            var t = new Table().Border(TableBorder.Simple);
            foreach (var h in new[] { "unit", "operations", "energy (nJ)", "share" }) t.AddColumn(h);
            foreach (var s in e.Shares)
                t.AddRow(s.Unit, s.Operations.ToString("N0", CultureInfo.InvariantCulture), (s.Picojoules / 1000).ToString("F2", CultureInfo.InvariantCulture),
                    (100 * s.Picojoules / e.Picojoules).ToString("F0", CultureInfo.InvariantCulture) + " %");
            AnsiConsole.Write(t);
            AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"estimated (docs/cost.md, error band about 3x either way): {e.Nanojoules:F1} nJ per inference at {nm} nm / {v} V; {e.Cycles:N0} cycles at {c.ClockMhz} MHz = {e.PerSecond:N0} inferences/s back to back, {e.Milliwatts:F2} mW dynamic (no clock tree, control or leakage)")));
            if (r.GetValue(baselines)) PrintBaselines(m, c, table);
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    /// <summary>eMamba beside its task's CNN and ViT baselines on an iso-multiplier array, with the ratios the paper reports.</summary>
    private static void PrintBaselines(EMamba.Core.Integer.IntModel m, AcceleratorConfig c, EnergyTable e)
    {
        var rows = BaselineComparison.Of(m, c, HwGenStage.Generate(m, c), e, Hardware.Synthesis.AsicAreaTable.Node22);
        var us = rows[0];
        var t = new Table().Border(TableBorder.Simple);
        foreach (var h in new[] { "design", "MACs", "multipliers", "cycles", "latency (us)", "energy (nJ)", "power (mW)", "area (mm2)", "latency x", "energy x", "area x" }) t.AddColumn(h);
        string F(double v, string f) => v.ToString(f, CultureInfo.InvariantCulture);
        foreach (var a in rows)
            t.AddRow(a.Name, F(a.Macs, "N0"), F(a.Multipliers, "N0"), F(a.Cycles, "N0"), F(a.Microseconds, "F2"), F(a.Nanojoules, "F1"), F(a.Milliwatts, "F2"), F(a.AreaMm2, "F3"),
                F((double)a.Cycles / us.Cycles, "F2"), F(a.Picojoules / us.Picojoules, "F2"), F(a.AreaMm2 / us.AreaMm2, "F2"));
        AnsiConsole.Write(t);
        AnsiConsole.MarkupLine(Markup.Escape("estimated (docs/cost.md, \"Baselines\"): baselines on one MAC array with as many multipliers as the eMamba design, 100 % busy, layer after layer; ratios are baseline / eMamba (the paper: " + BaselineComparison.PaperText() + ")"));
    }

    private static Command Sim()
    {
        var model = ModelOption(); var config = ConfigOption();
        var count = new Option<int>("--count") { Description = $"Samples: the first K of the split (1..{HwSimStage.MaxCount}).", DefaultValueFactory = _ => 8 };
        var sim = SwitchOption.WithDefault("--sim", "Simulator: verilator or icarus.", Simulator.Verilator, v => $"--sim '{v}' must be verilator or icarus");
        var split = new Option<string>("--split") { Description = "Split: test, val or train.", DefaultValueFactory = _ => "test" };
        var data = new Option<string?>("--data") { Description = "Data set location (default: the task's standard location)." };
        var cache = new Option<string?>("--cache") { Description = "Build cache folder (default: ~/.cache/emamba/hw); builds are kept per design hash." };
        var cmd = new Command("sim", "Co-simulate the generated accelerator on data set samples: every output bit-exact against the integer engine, measured cycles beside the cycle model.");
        foreach (var o in new Option[] { model, config, count, sim, split, data, cache }) cmd.Options.Add(o);
        cmd.SetAction(r => App.Guard(ct =>
        {
            var res = AnsiConsole.Progress().AutoClear(true).Start(p =>
            {
                var task = p.AddTask("simulating", maxValue: r.GetValue(count));
                return HwSimStage.Run(new HwSimStage.Request(r.GetValue(model)!, r.GetValue(config), r.GetValue(count), r.GetValue(sim), r.GetValue(split)!,
                    r.GetValue(data), r.GetValue(cache), ConsoleStageObserver.Instance, (done, total) => { task.MaxValue = total; task.Value = done; }), ct);
            });
            var cm = res.Model;
            PrintSchedule(cm, res.Config);
            long lo = res.Measured.Min(), hi = res.Measured.Max();
            string measured = lo == hi ? lo.ToString("N0", CultureInfo.InvariantCulture) : $"{lo:N0}..{hi:N0}";
            AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"{res.Samples:N0} samples in {res.SimSeconds:F1} s ({(res.Cached ? "cached build" : $"built in {res.BuildSeconds:F1} s")}); cycles per inference: measured {measured}, cycle model {cm.Total:N0} ({cm.Microseconds(res.Config):F1} us at {res.Config.ClockMhz} MHz)")));
            if (res.FirstMismatch is { } first)
            {
                Console.Error.WriteLine($"emamba: error: {res.Mismatches} of {res.Samples} samples differ from the integer engine; first: {first}");
                return ExitCodes.Failure;
            }
            AnsiConsole.MarkupLine($"bit-exact: all {res.Samples:N0} samples equal the integer engine's outputs");
            if (lo != cm.Total || hi != cm.Total) { Console.Error.WriteLine("emamba: error: the measured cycles differ from the cycle model"); return ExitCodes.Failure; }
            return ExitCodes.Ok;
        }));
        return cmd;
    }
}
