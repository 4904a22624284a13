using EMamba.Hardware.Synthesis;

namespace EMamba.Hardware.Tests.Synthesis;

/// <summary>The ASIC area table's arithmetic (docs/synthesis.md).</summary>
public class AsicAreaTests
{
    [Fact]
    public void PitchRuleScalesNangateTo22Nm()
    {
        Assert.Equal(0.3008, AsicAreaTable.PitchScale22, 4);
        Assert.Equal(0.798, AsicAreaTable.Nangate45["$_NAND_"].Um2);   // NAND2_X1: 0.57 x 1.4 um
        Assert.Equal(4.522, AsicAreaTable.Nangate45["$_DFF_P_"].Um2);  // DFF_X1: 3.23 x 1.4 um
    }

    [Fact]
    public void AreaIsCellsScaledOverUtilisationPlusBits()
    {
        var gates = new Dictionary<string, long> { ["$_NAND_"] = 10, ["$_XOR_"] = 4, ["$_DFF_P_"] = 2 };
        var a = AsicAreaTable.Node22.Estimate(gates, memoryBits: 1000);
        double um2 = 10 * 0.798 + 4 * 1.596 + 2 * 4.522;   // 23.408 um² at 45 nm
        Assert.Equal(um2, a.CellUm2At45, 9);
        Assert.Equal(um2 * (100.0 / 190 * 80 / 140) / 0.7 / 1e6, a.LogicMm2, 15);
        Assert.Equal(1000 * 0.11 * 2.0 / 1e6, a.MemoryMm2, 15);
        Assert.Equal(a.TotalMm2 / 2, a.LowMm2, 15);
        Assert.Equal(a.TotalMm2 * 2, a.HighMm2, 15);
    }

    [Fact]
    public void EveryGateTheGenericScriptCanEmitHasAnArea()
    {
        foreach (var g in SynthScript.GenericGates.Split(','))
            Assert.Contains($"$_{g}_", AsicAreaTable.Nangate45.Keys);
        Assert.Contains("$_NOT_", AsicAreaTable.Nangate45.Keys);
    }

    [Fact]
    public void AnUnpricedGateIsRefusedByName()
    {
        var e = Assert.Throws<ArgumentException>(() => AsicAreaTable.Node22.Estimate(new Dictionary<string, long> { ["$_DLATCH_P_"] = 1 }, 0));
        Assert.Contains("$_DLATCH_P_", e.Message);
    }

    [Fact]
    public void TheTableCanBeRestatedForAnotherProcess()
    {
        var t = AsicAreaTable.Node22 with { LogicScale = 1, Utilisation = 1, BitCellUm2 = 0.5, MemoryOverhead = 1 };
        var a = t.Estimate(new Dictionary<string, long> { ["$_NOT_"] = 1_000_000 }, 2_000_000);
        Assert.Equal(0.532, a.LogicMm2, 12);
        Assert.Equal(1.0, a.MemoryMm2, 12);
    }
}
