using System.CommandLine;
using System.Globalization;
using EMamba.Core;
using EMamba.Hardware.Stages;
using EMamba.Hardware.Synthesis;
using Spectre.Console;

namespace EMamba.Cli;

/// <summary><c>emamba hw synth</c>: yosys synthesis of a model's accelerator for UltraScale+ (beside the ZCU102),
/// iCE40 (placed and routed, with a measured Fmax) or generic gates (an ASIC area estimate; docs/synthesis.md).</summary>
public static class HwSynthCommand
{
    public static Command Create(Option<string> model, Option<string?> config)
    {
        var target = SwitchOption.WithDefault("--target", "xcup (UltraScale+ LUT/FF/DSP/BRAM beside the ZCU102), ice40 (place and route, Fmax) or generic (gates -> 22 nm area estimate).",
            SynthTarget.Xcup, v => $"--target '{v}' must be xcup, ice40 or generic");
        var device = SwitchOption.WithDefault("--device", "iCE40 part for --target ice40: hx8k or up5k.", Ice40Device.Hx8k, v => $"--device '{v}' must be hx8k or up5k");
        var cache = new Option<string?>("--cache") { Description = "Result cache folder (default: ~/.cache/emamba/hw); a design synthesized before is not synthesized again." };
        var timeout = new Option<int>("--timeout") { Description = "Minutes per tool run before it is stopped (1..1440).", DefaultValueFactory = _ => 120 };
        var cmd = new Command("synth", "Synthesize the accelerator with yosys and report its resources (an upper bound on LUT/FF for xcup: yosys keeps MAC accumulators out of the DSPs).");
        foreach (var o in new Option[] { model, config, target, device, cache, timeout }) cmd.Options.Add(o);
        cmd.SetAction(r => App.Guard(_ =>
        {
            int minutes = r.GetValue(timeout);
            if (minutes is < 1 or > 1440) throw new EMambaException($"--timeout {minutes}: must be 1..1440 minutes", ExitCodes.Usage);
            var res = HwSynthStage.Run(new HwSynthStage.Request(r.GetValue(model)!, r.GetValue(config), r.GetValue(target), r.GetValue(device),
                r.GetValue(cache), TimeSpan.FromMinutes(minutes), ConsoleStageObserver.Instance));
            Print(res);
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    private static string N(double v) => v.ToString("N0", CultureInfo.InvariantCulture);
    private static string P(double v) => v.ToString("F1", CultureInfo.InvariantCulture) + " %";

    public static void Print(HwSynthStage.Result res)
    {
        var s = res.Synth;
        var t = new Table().Border(TableBorder.Simple);
        if (s.Xcup is { } x)
        {
            foreach (var h in new[] { "resource", "used", "ZCU102", "share" }) t.AddColumn(h);
            t.AddRow("LUT (logic + memory)", N(x.AllLuts), N(XcupUsage.ZcuLuts), P(x.LutPercent));
            t.AddRow("FF", N(x.Ffs), N(XcupUsage.ZcuFfs), P(x.FfPercent));
            t.AddRow("DSP48E2", N(x.Dsps), N(XcupUsage.ZcuDsps), P(x.DspPercent));
            t.AddRow("BRAM36", x.Bram36.ToString("0.#", CultureInfo.InvariantCulture), N(XcupUsage.ZcuBram36), P(x.Bram36Percent));
            t.AddRow("CARRY8", x.Carry8.ToString("0.#", CultureInfo.InvariantCulture), N(XcupUsage.ZcuCarry8), P(x.Carry8Percent));
        }
        else if (s.Ice40 is { } i)
        {
            foreach (var h in new[] { "resource", "used", "available", "share" }) t.AddColumn(h);
            foreach (var u in i.Pnr.Utilisation) t.AddRow(Markup.Escape(u.Name), N(u.Used), N(u.Available), P(u.Percent));
        }
        else if (s.Generic is { } g)
        {
            foreach (var h in new[] { "part", "count", "area at 22 nm (mm2)" }) t.AddColumn(h);
            t.AddRow("logic gates", N(g.LogicGates), "");
            t.AddRow("flip-flops", N(g.Flops), "");
            t.AddRow("logic + flip-flops", "", g.Area.LogicMm2.ToString("F4", CultureInfo.InvariantCulture));
            t.AddRow("memory bits (ROM + RAM)", N(g.MemoryBits), g.Area.MemoryMm2.ToString("F4", CultureInfo.InvariantCulture));
        }
        AnsiConsole.Write(t);
        string what = s.Target switch
        {
            SynthTarget.Xcup => $"measured by yosys {s.ToolVersion} synth_xilinx (LUT and FF an upper bound: docs/synthesis.md); {(s.Xcup!.FitsZcu102 ? "fits" : "does NOT fit")} the ZCU102",
            SynthTarget.Ice40 => s.Ice40!.FmaxMhz is { } f ? $"placed and routed by nextpnr-ice40: Fmax {f:F1} MHz (measured)" : "placed and routed by nextpnr-ice40 (no clock reported)",
            _ => $"estimated: {s.Generic!.Area.TotalMm2:F3} mm2 at 22 nm (band {s.Generic.Area.LowMm2:F3}..{s.Generic.Area.HighMm2:F3}, docs/synthesis.md)",
        };
        AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"{res.Config.Summary()}: {what}; {(s.Cached ? "cached result" : $"synthesized in {res.Seconds:F0} s")}; outputs in {s.Dir}")));
    }
}
