using EMamba.Hardware.Cost;

namespace EMamba.Hardware.Tests;

/// <summary>The energy model (docs/cost.md): the table reproduces its sources, scales as stated, and the
/// operation counts follow the model's shapes.</summary>
public class CostTests
{
    [Fact]
    public void At45NmTheTableIsHorowitzs()
    {
        var t = EnergyTable.Horowitz45;
        Assert.Equal(1.0, t.Scale, 12);
        Assert.Equal(0.2, t.MulPj(8, 8), 12);
        Assert.InRange(t.MulPj(32, 32) / 3.1, 1.0, 1.035);   // the product-of-widths rule is within 3.5 % of the 32-bit point
        Assert.Equal(0.03, t.AddPj(8), 12);
        Assert.Equal(0.1, t.AddPj(32), 12);
        Assert.Equal(10, t.MemPj(64, 8 * 1024), 12);
        Assert.Equal(20, t.MemPj(64, 32 * 1024), 12);
        Assert.Equal(100, t.MemPj(64, 1024 * 1024), 12);
        Assert.Equal(1.25, t.MemPj(8, 1024), 12);    // an 8-bit read is an eighth of a word
    }

    [Fact]
    public void TheChipsNodeScalesByNodeAndVoltageSquared() =>
        Assert.Equal(22.0 / 45 * (0.8 / 0.9) * (0.8 / 0.9), EnergyTable.Gf22.Scale, 12);

    [Fact]
    public void LinearMacsAreInTimesOutPerToken()
    {
        var m = Tiny.ModelTwo;
        var ops = OpCounts.Of(m, new AcceleratorConfig());
        long macs = m.Tokens * (m.Embed!.InFeatures * (long)m.Embed.OutFeatures
            + m.Blocks.Sum(b => new[] { b.InProj, b.XProj, b.DtProj, b.OutProj }.Sum(l => (long)l.InFeatures * l.OutFeatures)))
            + m.Head!.InFeatures * (long)m.Head.OutFeatures;
        Assert.Equal(macs, ops.Where(o => o.Unit == "linear" && o.Kind == OpKind.Mul && o.BitsA == 8).Sum(o => o.Count));
        Assert.Equal(macs, ops.Where(o => o.Unit == "weights").Sum(o => o.Count));
        long pairs = m.Tokens * m.Blocks.Sum(b => (long)b.DInner * b.DState);
        Assert.Equal(pairs, ops.Where(o => o.Unit == "scan" && o.Kind == OpKind.MemWrite).Sum(o => o.Count));
    }

    [Fact]
    public void MoreRowsReadTheInputFewerTimesAndPowerFollowsThroughput()
    {
        var m = Tiny.ModelOne;
        var narrow = EnergyModel.Of(m, new AcceleratorConfig { LinearRows = 1 }, EnergyTable.Gf22);
        var wide = EnergyModel.Of(m, new AcceleratorConfig { LinearRows = 8 }, EnergyTable.Gf22);
        Assert.True(wide.Picojoules < narrow.Picojoules);
        Assert.True(wide.Cycles < narrow.Cycles);
        Assert.Equal(wide.Picojoules * 1e-12 * 100e6 / wide.Cycles * 1e3, wide.Milliwatts, 9);
        Assert.All(wide.Shares, s => Assert.True(s.Picojoules > 0, s.Unit));
    }

    /// <summary>Shared blocks build one block's units for L blocks: the multipliers lose (L - 1) blocks' worth and
    /// the ROM bits stay (every layer's weights are still on chip); with more tokens than the block has stages
    /// the cycles grow towards L x those of the slowest block stage per token.</summary>
    [Fact]
    public void SharedBlocksTradeMultipliersForCycles()
    {
        var m = Engine.Quantize.RandomModel.Quantized(Tiny.Two with { NLayers = 3, Patch = 2 }, 7, Tiny.Narrow);   // 16 tokens
        var one = Engine.Quantize.RandomModel.Quantized(Tiny.Two with { NLayers = 1, Patch = 2 }, 7, Tiny.Narrow);
        var unrolled = new AcceleratorConfig();
        var shared = unrolled with { Blocks = BlockMode.Shared };
        Assert.Equal(ArrayModel.Multipliers(one, unrolled), ArrayModel.Multipliers(m, shared));
        Assert.True(ArrayModel.Multipliers(m, shared) < ArrayModel.Multipliers(m, unrolled));
        var (cu, cs) = (CycleModel.Of(m, unrolled), CycleModel.Of(m, shared));
        long ii = cs.Pipeline.Stages.Where(s => s.Layered).Max(s => s.Work + 1L);
        Assert.True(cs.Total > cu.Total, $"shared {cs.Total}, unrolled {cu.Total}");
        Assert.InRange(cs.Total, 3 * m.Tokens * ii, cs.Analytical + 3 * m.Tokens * ii);
        Assert.True(cs.Analytical <= cs.Total);
        Assert.Equal(3 * m.Tokens, cs.Start[cs.Pipeline["blocks.L.scan"].Index].Length);
    }
}
