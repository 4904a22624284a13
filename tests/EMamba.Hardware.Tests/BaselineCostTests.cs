using EMamba.Core;
using EMamba.Hardware.Cost;
using EMamba.Hardware.Synthesis;

namespace EMamba.Hardware.Tests;

/// <summary>The baselines' workloads and the iso-MAC array model (docs/cost.md, "Baselines"), against hand counts.</summary>
public class BaselineCostTests
{
    private static readonly ModelConfig Cnn = new()
    {
        Task = TaskKind.Mars, Arch = Arch.Cnn, InChannels = 5, Height = 8, Width = 8, Patch = 2, Head = Head.Regress, NumOutputs = 57, DModel = 8, NLayers = 2,
    };

    [Fact]
    public void TheComparisonPutsEMambaFirstAndTheTasksFourBaselinesOnItsMultipliers()
    {
        var m = Tiny.ModelOne;
        var c = new AcceleratorConfig();
        var rows = BaselineComparison.Of(m, c, RtlGenerator.Generate(m, c), EnergyTable.Gf22, AsicAreaTable.Node22);
        Assert.Equal(["eMamba", "mars-cnn-s", "mars-cnn-m", "mars-vit-s", "mars-vit-m"], rows.Select(r => r.Name));
        Assert.Equal(CycleModel.Of(m, c).Total, rows[0].Cycles);
        Assert.Equal(ArrayModel.Multipliers(m, c), rows[0].Multipliers);
        int lanes = Math.Max(1, rows[0].Multipliers / c.LinearRows);
        Assert.All(rows.Skip(1), r => Assert.Equal(lanes * c.LinearRows + c.VectorLanes, r.Multipliers));
        Assert.Contains("4.95-5.62x latency", BaselineComparison.PaperText());
        Assert.Contains("48.6x energy", BaselineComparison.PaperText());
    }

    [Fact]
    public void CnnLayersFollowTheVggStagesAndPoolToTwoByTwo()
    {
        var w = Workload.Of("cnn", Cnn);
        // stage 0 at 8x8: 5 -> 8 and 8 -> 8; pool to 4x4; stage 1: 8 -> 16, 16 -> 16; head 16 -> 57
        long want = 64L * 45 * 8 + 64L * 72 * 8 + 16L * 72 * 16 + 16L * 144 * 16 + 16 * 57;
        Assert.Equal(want, w.Macs);
        Assert.Equal(45L * 8 + 72 * 8 + 72 * 16 + 144 * 16 + 16 * 57, w.WeightCount);
    }

    [Fact]
    public void VitAttentionIsTwoActivationProductsPerHead()
    {
        var c = Cnn with { Arch = Arch.Vit, DModel = 16, Heads = 2, MlpRatio = 2, NLayers = 1 };
        var w = Workload.Of("vit", c);
        int t = 16, d = 16;
        Assert.Equal((long)t * 20 * d + t * d * 3 * d + 2L * t * 2 * 8 * t + t * d * d + 2L * t * d * 2 * d + d * 57, w.Macs);
        Assert.DoesNotContain(w.Layers, l => l.Name.EndsWith("scores", StringComparison.Ordinal) && l.Weights);
    }

    [Fact]
    public void TheArrayRunsEachLayerAsRowGroupsTimesLaneGroups()
    {
        var w = new Workload("one", [new MatLayer("l", 3, 10, 9)], Elementwise: 5, WeightCount: 90, ActivationPeak: 19);
        var cost = ArrayModel.Of(w, lanes: 4, rows: 8, vectorLanes: 2, 100, EnergyTable.Gf22, AsicAreaTable.Node22);
        Assert.Equal(3 * 2 * 3 + 3, cost.Cycles);   // 3 positions x ceil(9/8) x ceil(10/4), + ceil(5/2)
        Assert.Equal(34, cost.Multipliers);
        Assert.Equal(8 * (90 + 19), cost.MemoryBits);
        Assert.True(cost.Picojoules > 270 * EnergyTable.Gf22.MulPj(8, 8));
    }

    [Fact]
    public void OtherArchitecturesAreRefused() =>
        Assert.Throws<ArgumentException>(() => Workload.Of("m", Cnn with { Arch = Arch.Mamba }));
}
