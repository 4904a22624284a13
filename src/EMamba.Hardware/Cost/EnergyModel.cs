using EMamba.Core.Integer;

namespace EMamba.Hardware.Cost;

/// <summary>A unit family's share of one inference's energy.</summary>
public sealed record EnergyShare(string Unit, double Picojoules, long Operations);

/// <summary>The estimated dynamic energy of one inference and the power at the cycle model's throughput
/// (docs/cost.md): operation counts x the energy table. Estimated, not measured: it leaves out the
/// clock tree, control, leakage and wires, and docs/cost.md gives the error band it claims.</summary>
public sealed record EnergyModel(EnergyTable Table, IReadOnlyList<EnergyShare> Shares, long Cycles, double ClockMhz)
{
    public double Picojoules => Shares.Sum(s => s.Picojoules);
    public double Nanojoules => Picojoules / 1000;

    /// <summary>Inferences per second back to back at the clock (one inference at a time: the pipeline drains between them).</summary>
    public double PerSecond => ClockMhz * 1e6 / Cycles;

    /// <summary>Average dynamic power in milliwatts while inferring back to back.</summary>
    public double Milliwatts => Picojoules * 1e-12 * PerSecond * 1e3;

    public static EnergyModel Of(IntModel m, AcceleratorConfig c, EnergyTable table)
    {
        var ops = OpCounts.Of(m, c);
        // Every ROM is one layer's weights and every buffer one tensor's slots: the largest of each class sets its access energy.
        var pipe = Pipeline.Of(m, c);
        // Shared blocks: a block ROM holds every layer's weights (pipe.Layers of them), and the residual stream is one T x D memory.
        long weightBytes = Math.Max(Math.Max(m.Embed!.Weight.Length, m.Head!.Weight.Length),
            m.Blocks.SelectMany(b => new[] { b.InProj, b.XProj, b.DtProj, b.OutProj }).Max(l => (long)l.Weight.Length) * pipe.Layers);
        long bufferBytes = Math.Max(pipe.Buffers.Max(b => (long)b.Slots * b.Size * 2), pipe.Shared ? (long)m.Tokens * m.Config.DModel * 2 : 0);
        long stateBytes = m.Blocks.Max(b => (long)b.DInner * b.DState * ((b.State.Bits + 7) / 8));
        long recipBytes = new[] { m.FinalNorm }.Concat(m.Blocks.Select(b => b.Norm)).Max(n => (long)n.Recip.Length * Widths.Of(n.Recip) / 8);
        long Bytes(string unit) => unit switch { "weights" => weightBytes, "scan" => stateBytes, "reciprocal" => recipBytes, _ => bufferBytes };
        var shares = ops.GroupBy(o => o.Unit)
            .Select(g => new EnergyShare(g.Key, g.Sum(o => table.Pj(o, Bytes(g.Key))), g.Sum(o => o.Count)))
            .OrderByDescending(s => s.Picojoules).ToList();
        return new EnergyModel(table, shares, CycleModel.Of(pipe, m.Tokens).Total, c.ClockMhz);
    }
}
