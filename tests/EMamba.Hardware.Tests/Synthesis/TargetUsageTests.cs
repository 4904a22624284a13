using EMamba.Hardware.Synthesis;

namespace EMamba.Hardware.Tests.Synthesis;

/// <summary>Each target's reading of the cell counts, on stored yosys 0.23 / nextpnr-ice40 0.4 outputs.</summary>
public class TargetUsageTests
{
    [Fact]
    public void XcupMacIsOneDspAndAnAccumulatorInLogic()
    {
        var x = XcupUsage.Of(SynthFixtures.Stat("xcup-mac.stat.json"));
        Assert.Equal((32L, 0L, 32L, 1L), (x.Luts, x.LutsAsMemory, x.Ffs, x.Dsps));
        Assert.Equal(4.0, x.Carry8);   // 8 CARRY4
        Assert.Equal(100.0 * 32 / 274_080, x.LutPercent, 12);
        Assert.Equal(100.0 / 2_520, x.DspPercent, 12);
        Assert.Empty(x.Other);
        Assert.True(x.FitsZcu102);
    }

    [Fact]
    public void XcupCountsBramHalvesDistributedRamAndWideMuxes()
    {
        var x = XcupUsage.Of(SynthFixtures.Stat("xcup-mems.stat.json"));
        Assert.Equal(1.5, x.Bram36);   // one RAMB36E2 and one RAMB18E2
        Assert.Equal(8, x.LutsAsMemory);   // one RAM32M16
        Assert.Equal(23, x.Luts);
        Assert.Equal(4, x.Muxf7);
        Assert.Equal(31, x.AllLuts);
        Assert.Equal(100.0 * 1.5 / 912, x.Bram36Percent, 12);
    }

    [Fact]
    public void XcupKeepsUnknownCellsAndChecksEveryCapacity()
    {
        var over = XcupUsage.Of(new YosysStat(new Dictionary<string, long> { ["DSP48E2"] = 2_521, ["VCC"] = 1 }, 0, 0));
        Assert.False(over.FitsZcu102);
        Assert.Equal(1, over.Other["VCC"]);
        Assert.False(XcupUsage.Of(new YosysStat(new Dictionary<string, long> { ["URAM288"] = 1 }, 0, 0)).FitsZcu102);
        Assert.Equal(34_260, XcupUsage.ZcuCarry8);
    }

    [Fact]
    public void NextpnrLogGivesUtilisationAndTheRoutedFmax()
    {
        var log = NextpnrLog.Parse(SynthFixtures.Output("ice40-macmem-hx8k.nextpnr.log"));
        Assert.Equal(new PnrResource("ICESTORM_LC", 424, 7680), log["ICESTORM_LC"]);
        Assert.Equal(new PnrResource("ICESTORM_RAM", 1, 32), log["ICESTORM_RAM"]);
        var clk = Assert.Single(log.Clocks);
        Assert.Equal(66.18, clk.FmaxMhz);   // the routed figure, not the 65.25 MHz estimate after placement
        Assert.Equal(100, clk.TargetMhz);
        Assert.False(clk.Met);
        Assert.Equal(66.18, log.FmaxMhz);
    }

    [Fact]
    public void NextpnrLogTakesTheSlowestClockAndAPass()
    {
        const string log = """
            Info: Device utilisation:
            Info: 	         ICESTORM_LC:    10/ 5280     0%
            Info: 	        ICESTORM_DSP:     1/    8    12%
            Info: Max frequency for clock 'a': 120.50 MHz (PASS at 12.00 MHz)
            Info: Max frequency for clock 'b': 80.00 MHz (PASS at 12.00 MHz)
            """;
        var p = NextpnrLog.Parse(log);
        Assert.Equal(80.0, p.FmaxMhz);
        Assert.True(p.Clocks.All(c => c.Met));
        Assert.Equal(12.5, p["ICESTORM_DSP"]!.Percent);
        Assert.Throws<FormatException>(() => NextpnrLog.Parse("Info: Program finished normally.\n"));
    }

    [Fact]
    public void Ice40CountsEveryFlipFlopKind()
    {
        var pnr = NextpnrLog.Parse(SynthFixtures.Output("ice40-macmem-hx8k.nextpnr.log"));
        var i = Ice40Usage.Of(Ice40Device.Hx8k, SynthFixtures.Stat("ice40-macmem.stat.json"), pnr);
        Assert.Equal((396L, 63L, 26L, 1L, 0L), (i.Lut4, i.Ffs, i.Carry, i.Ram4k, i.Mac16));   // SB_DFF 29 + SB_DFFESR 32 + SB_DFFSR 1 + SB_DFFSS 1
        Assert.Empty(i.Other);
        Assert.Equal(66.18, i.FmaxMhz);
    }

    /// <summary>A stored design that fits names nothing; counts past a part name each resource and the ratio, and a
    /// MAC16 on the HX8K (which has none) says so.</summary>
    [Fact]
    public void Ice40CapacityNamesWhatDoesNotFit()
    {
        Assert.Empty(Ice40Capacity.Overflows(Ice40Device.Hx8k, SynthFixtures.Stat("ice40-macmem.stat.json")));
        var big = new YosysStat(new Dictionary<string, long> { ["SB_LUT4"] = 15_360, ["SB_RAM40_4K"] = 20, ["SB_RAM40_4KNR"] = 20, ["SB_MAC16"] = 2 }, 0, 0);
        Assert.Equal(["15,360 LUT4 of 7,680 (2x)", "40 RAM4K of 32 (1.3x)", "2 MAC16 (the part has none)"], Ice40Capacity.Overflows(Ice40Device.Hx8k, big));
        Assert.Equal(["15,360 LUT4 of 5,280 (2.9x)", "40 RAM4K of 30 (1.3x)"], Ice40Capacity.Overflows(Ice40Device.Up5k, big));
    }

    [Fact]
    public void GenericSeparatesGatesFlipFlopsAndMemories()
    {
        var g = GenericUsage.Of(SynthFixtures.Stat("generic-macmem.stat.json"), AsicAreaTable.Node22);
        Assert.Equal(32, g.Flops);
        Assert.Equal(969 - 4 - 32, g.LogicGates);   // 969 cells, of which 4 memory ports and 32 flip-flops
        Assert.DoesNotContain(g.Gates.Keys, k => k.StartsWith("$mem", StringComparison.Ordinal));
        Assert.Equal(2176, g.MemoryBits);
    }
}
