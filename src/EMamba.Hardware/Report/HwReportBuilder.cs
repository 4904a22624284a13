using EMamba.Core;
using EMamba.Core.Integer;
using EMamba.Engine;
using EMamba.Hardware.Cost;
using EMamba.Hardware.Stages;
using EMamba.Hardware.Synthesis;

namespace EMamba.Hardware.Report;

/// <summary>Computes the figures of <c>hw report</c> from the model, its config and what was measured (the engine's timing,
/// an optional synthesis): one place that says which figure is measured and which estimated, and with which band.</summary>
public static class HwReportBuilder
{
    public const string CyclesBasis = "measured: the cycle model, equal to the RTL's cycles in co-simulation (docs/results/hardware.md); latency and throughput at the config's clock target (no timing closure here)";
    public const string EnergyBasis = "estimated (model, band about 3x either way; no clock tree, control, wires or leakage; docs/cost.md)";
    public const string BaselinesBasis = "estimated (model, band about 3x either way: baselines on one INT8 MAC array with as many multipliers as eMamba, 100 % busy, layer after layer; docs/cost.md, \"Baselines\")";

    /// <summary>What the command measured or was given, beside the model and its config.</summary>
    public sealed record Inputs(string ModelPath, string Command, string Machine, EnergyTable Energy, EngineBench.Row Engine, string Load, double CpuWatts,
        HwSynthStage.Result? Synth, IReadOnlyList<string> Figures);

    public static HwReport Build(IntModel m, AcceleratorConfig c, Design d, Inputs q)
    {
        var cm = CycleModel.Of(m, c);
        var e = EnergyModel.Of(m, c, q.Energy);
        var area = AsicAreaTable.Node22;
        var rows = BaselineComparison.Of(m, c, d, q.Energy, area);
        var us = rows[0];
        double accUs = cm.Microseconds(c), accNj = e.Nanojoules;
        double cpuUj = q.CpuWatts * q.Engine.UsPerFrame;   // W x us = uJ
        return new HwReport
        {
            Model = Path.GetFileName(q.ModelPath),
            ModelSha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(q.ModelPath))),
            Task = m.Config.Task.ToString().ToLowerInvariant(),
            Config = c,
            Date = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture),
            Machine = q.Machine,
            Command = q.Command,
            Cycles = new(CyclesBasis, cm.Total, cm.Analytical, c.ClockMhz, accUs, 1e6 / accUs, cm.InitiationInterval, cm.Bottleneck.Name, cm.Fill, cm.Drain,
                [.. cm.Timings().Select(t => new HwReport.StageRow(t.Stage.Name, t.Stage.Kind.ToString().ToLowerInvariant(), t.Stage.PerToken,
                    t.Stage.Work + 1, t.FirstStart, t.LastEnd, t.Utilisation))]),
            Energy = new(EnergyBasis, q.Energy.NodeNm, q.Energy.Volts, e.Nanojoules, e.Milliwatts, e.PerSecond,
                [.. e.Shares.Select(s => new HwReport.EnergyRow(s.Unit, s.Operations, s.Picojoules, s.Picojoules / e.Picojoules))]),
            Area = new(new HwReport.ModelledArea($"estimated (model, band about {area.Band:0.#}x either way: {ArrayModel.MacUm2At45:0} um2 45 nm MACs and SRAM bit cells scaled to 22 nm; docs/synthesis.md)",
                us.Multipliers, us.MemoryBits, us.AreaMm2, 22), q.Synth is { } s ? Synth(s) : null),
            Engine = new($"measured on this CPU: batch 1, one thread, {q.Engine.Frames} frames after a warm-up; load average {q.Load} while timed (other processes share the cores)",
                $"estimated: an assumed {q.CpuWatts:0.#} W CPU power (not measured) x the measured latency",
                q.Engine.Contender, q.Engine.Frames, q.Engine.UsPerFrame, q.Engine.FramesPerSecond, q.CpuWatts, cpuUj,
                q.Engine.UsPerFrame / accUs, cpuUj * 1000 / accNj),
            MarsPeers = m.Config.Task == TaskKind.Mars ? [.. MarsPeers.All.Select(p => Peer(p, cm.Total, accUs, e.Milliwatts, us.AreaMm2))] : null,
            Baselines = new(BaselinesBasis, [.. rows.Select(a => new HwReport.BaselineRow(a.Name, a.Macs, a.Multipliers, a.Cycles, a.Microseconds, a.PerSecond,
                    a.Nanojoules, a.Milliwatts, a.AreaMm2, (double)a.Cycles / us.Cycles, us.PerSecond / a.PerSecond, a.Picojoules / us.Picojoules,
                    a.AreaMm2 / us.AreaMm2, a.Milliwatts / us.Milliwatts))],
                [.. BaselineComparison.Paper.Select(p => new HwReport.PaperRatioRow(p.Figure, p.Low, p.High))]),
            Figures = q.Figures,
        };
    }

    private static HwReport.PeerRow Peer(MarsPeers.Peer p, long cycles, double us, double mw, double mm2)
    {
        double? latency = p.Cycles is { } pc && p.ClockMhz is { } f ? pc / f : null;
        return new(p.Name, p.Basis, p.Cycles, p.ClockMhz, latency, p.Luts, p.Dsps, p.Bram, p.AreaMm2, p.Milliwatts,
            p.Cycles / (double)cycles, latency / us, p.Milliwatts / mw, p.AreaMm2 / mm2);
    }

    private static HwReport.SynthRecord Synth(HwSynthStage.Result r)
    {
        var s = r.Synth;
        string basis = s.Target == SynthTarget.Xcup
            ? $"measured by yosys {s.ToolVersion} synth_xilinx -family xcup (LUT and FF an upper bound: yosys keeps MAC accumulators out of the DSPs; docs/synthesis.md)"
            : $"cells measured by yosys {s.ToolVersion}; area estimated (model, band about {AsicAreaTable.Node22.Band:0.#}x either way, docs/synthesis.md)";
        return new(basis, s.Target.ToString().ToLowerInvariant(), s.Top, s.ToolVersion, s.Cached, r.Seconds,
            s.Xcup is { } x ? new(x.AllLuts, x.Ffs, x.Dsps, x.Bram36, x.Carry8, XcupUsage.ZcuLuts, XcupUsage.ZcuFfs, XcupUsage.ZcuDsps, XcupUsage.ZcuBram36, x.FitsZcu102) : null,
            s.Generic is { } g ? new(g.LogicGates, g.Flops, g.MemoryBits, g.Area.LogicMm2, g.Area.MemoryMm2, g.Area.TotalMm2, g.Area.LowMm2, g.Area.HighMm2) : null);
    }
}
