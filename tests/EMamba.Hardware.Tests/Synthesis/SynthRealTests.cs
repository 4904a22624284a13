using EMamba.Hardware.Synthesis;

namespace EMamba.Hardware.Tests.Synthesis;

/// <summary>Real yosys (and nextpnr-ice40) runs of the small fixture units, one per target, each a few seconds
/// (and cached between test runs).</summary>
public class SynthRealTests
{
    private static SynthResult Run(string design, SynthTarget target, IReadOnlyDictionary<string, string>? parameters = null) =>
        Synthesizer.Run(SynthFixtures.Dir(design), design, new SynthOptions { Target = target, Cache = SynthFixtures.Cache, Parameters = parameters ?? new Dictionary<string, string>() });

    [YosysFact]
    public void XcupMapsTheMultiplierToOneDspAndTheAccumulatorToLutsAndFlipFlops()
    {
        var x = Run("mac", SynthTarget.Xcup, new Dictionary<string, string> { ["W"] = "32" }).Xcup!;
        Assert.Equal(1, x.Dsps);
        Assert.Equal(32, x.Luts);
        Assert.Equal(32, x.Ffs);
        Assert.Equal(4, x.Carry8);
        Assert.True(x.FitsZcu102);
    }

    /// <summary>The DSP caveat measured (docs/synthesis.md): per MAC, yosys's plain MAC costs W LUTs, W flip-flops and
    /// W / 8 CARRY8 more than the same MAC with its accumulator inside the DSP48E2, as Vivado would map it.</summary>
    [YosysFact]
    public void AnAccumulatorOutsideTheDspCostsOneLutAndOneFlipFlopPerBit()
    {
        foreach (int w in new[] { 32, 48 })
        {
            var p = new Dictionary<string, string> { ["W"] = w.ToString(System.Globalization.CultureInfo.InvariantCulture) };
            var plain = Run("mac", SynthTarget.Xcup, p).Xcup!;
            var dsp = Run("mac_dsp", SynthTarget.Xcup, p).Xcup!;
            Assert.Equal((1, 1), (plain.Dsps, dsp.Dsps));
            Assert.Equal((0, 0, 0.0), (dsp.Luts, dsp.Ffs, dsp.Carry8));
            Assert.Equal((w, w, w / 8.0), (plain.Luts, plain.Ffs, plain.Carry8));
        }
    }

    /// <summary>A 4-lane row (em_linear's structure): four DSP48E2s, and the adder tree with the accumulator in logic,
    /// where a DSP cascade would need no LUT at all (docs/synthesis.md).</summary>
    [YosysFact]
    public void ALaneAdderTreeAlsoStaysInLogic()
    {
        var x = Run("row4", SynthTarget.Xcup).Xcup!;
        Assert.Equal(4, x.Dsps);
        Assert.Equal(32, x.Ffs);
        Assert.Equal((214L, 68L, 20L, 3L, 4.0), (x.Luts, x.Muxf7, x.Muxf8, x.Muxf9, x.Carry8));
    }

    [YosysFact]
    public void XcupCountsBlockAndDistributedRam()
    {
        var x = Run("mems", SynthTarget.Xcup).Xcup!;
        Assert.Equal(1.5, x.Bram36);
        Assert.Equal(8, x.LutsAsMemory);
        Assert.True(x.Muxf7 > 0);
    }

    [YosysFact]
    public void GenericKeepsMemoriesAsBitsAndPricesEveryGate()
    {
        var g = Run("macmem", SynthTarget.Generic).Generic!;
        Assert.Equal(2, g.Memories);
        Assert.Equal(256 * 8 + 16 * 8, g.MemoryBits);
        Assert.Equal(32, g.Flops);   // the accumulator; the read registers became the memories' synchronous read ports
        Assert.True(g.LogicGates > 100);
        Assert.True(g.Area.MemoryMm2 > 0 && g.Area.LogicMm2 > 0);
    }

    [NextpnrFact]
    public void Ice40PlacesAndRoutesAndMeasuresFmax()
    {
        var r = Run("macmem", SynthTarget.Ice40);
        var i = r.Ice40!;
        Assert.Equal(1, i.Ram4k);
        Assert.True(i.Ffs >= 32, $"{i.Ffs} flip-flops");   // at least the accumulator
        Assert.True(i.Lut4 > 0);
        Assert.InRange(i.FmaxMhz!.Value, 10, 500);
        Assert.Equal(7680, i.Pnr["ICESTORM_LC"]!.Available);
        Assert.True(File.Exists(Path.Combine(r.Dir, "nextpnr.log")));
    }

    /// <summary>One of the project's own units alone, at tiny sizes (a 2 x 1 MAC array over 4 inputs), with its ROM
    /// images beside it: for UltraScale+ its products take DSP48E2s and it fits the ZCU102; for the gate level its
    /// ROMs stay memories (counted as bits) beside the priced gates.</summary>
    [YosysFact]
    public void TheLinearUnitSynthesizesAlone()
    {
        string dir = SynthFixtures.Temp();
        try
        {
            RtlGenerator.WriteModules(dir);
            File.WriteAllLines(Path.Combine(dir, "weight.hex"), ["01", "02", "03", "04", "ff", "fe", "7f", "80"]);
            File.WriteAllLines(Path.Combine(dir, "bias.hex"), ["0000000000000001", "fffffffffffffffe"]);
            File.WriteAllLines(Path.Combine(dir, "mult.hex"), ["0000000000004000", "0000000000003000"]);
            File.WriteAllLines(Path.Combine(dir, "shift.hex"), ["0e", "0d"]);
            var p = new Dictionary<string, string> { ["IN"] = "4", ["OUT"] = "2", ["LANES"] = "2", ["ROWS"] = "1" };
            SynthResult Synth(SynthTarget t) => Synthesizer.Run(dir, "em_linear", new SynthOptions { Target = t, Cache = SynthFixtures.Cache, Parameters = p });
            var x = Synth(SynthTarget.Xcup).Xcup!;
            Assert.True(x.Dsps > 0 && x.Luts > 0 && x.Ffs > 0);
            Assert.True(x.FitsZcu102);
            var g = Synth(SynthTarget.Generic).Generic!;
            Assert.True(g.Memories > 0 && g.MemoryBits > 0 && g.Flops > 0);
            Assert.True(g.Area.LogicMm2 > 0);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [YosysFact]
    public void BadVerilogReportsTheFirstErrorAndTheLog()
    {
        string cache = SynthFixtures.Temp();
        try
        {
            var e = Assert.Throws<SynthesisException>(() => Synthesizer.Run(SynthFixtures.Dir("bad"), "broken", new SynthOptions { Cache = cache }));
            Assert.Contains("yosys failed", e.Message);
            Assert.Contains("ERROR:", e.Message);
            string log = e.Message[(e.Message.LastIndexOf("(log: ", StringComparison.Ordinal) + 6)..^1];
            Assert.True(File.Exists(log), log);
        }
        finally { Directory.Delete(cache, recursive: true); }
    }
}
