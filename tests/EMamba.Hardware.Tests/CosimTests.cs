using EMamba.Core.Integer;
using Xunit.Abstractions;

namespace EMamba.Hardware.Tests;

/// <summary>The generated accelerator on tiny random models, in both simulators: every tapped tensor and
/// every output equal to the integer reference, and the measured cycles equal to the cycle model.</summary>
public class CosimTests(ITestOutputHelper log)
{
    private void Check(IntModel m, AcceleratorConfig c, Simulator sim, int samples)
    {
        var d = RtlGenerator.Generate(m, c);
        var build = Simulation.Build(d, sim, Tiny.Cache);
        var inputs = Enumerable.Range(0, samples).Select(s => Tiny.Input(m, 100 + s)).ToList();
        var res = Simulation.Run(build, inputs, taps: true);
        long model = CycleModel.Of(m, c).Total;
        for (int s = 0; s < samples; s++)
        {
            string? mismatch = Cosim.FirstMismatch(m, d, inputs[s], res[s]);
            Assert.True(mismatch == null, $"{sim}, sample {s}: {mismatch}");
            Assert.Equal(model, res[s].Cycles);
        }
        log.WriteLine($"{sim}, {m.Blocks.Length} block(s), {c.ToJson().ReplaceLineEndings(" ")}: measured {res[0].Cycles} cycles, model {model}");
    }

    [SimFact(Simulator.Verilator)]
    public void OneBlockInVerilator() => Check(Tiny.ModelOne, new AcceleratorConfig(), Simulator.Verilator, 2);

    [SimFact(Simulator.Icarus)]
    public void OneBlockInIcarus() => Check(Tiny.ModelOne, new AcceleratorConfig(), Simulator.Icarus, 2);

    [SimFact(Simulator.Verilator)]
    public void TwoBlocksNarrowInVerilator() => Check(Tiny.ModelTwo, Odd, Simulator.Verilator, 2);

    /// <summary>Lane counts that divide nothing: every unit runs a partial last group and masks lanes off.</summary>
    private static readonly AcceleratorConfig Odd = new() { LinearLanes = 3, LinearRows = 5, VectorLanes = 3, SsmLanes = 3, StateLanes = 2, StreamLanes = 3 };

    [SimFact(Simulator.Icarus)]
    public void TwoBlocksNarrowInIcarus() => Check(Tiny.ModelTwo, Odd, Simulator.Icarus, 2);

    /// <summary>Range norms by divider instead of ROM: the same codes, and the cycles the model gives for it
    /// (16-bit residual stream in the one-block model, 8-bit in the two-block one).</summary>
    private static readonly AcceleratorConfig Divider = new() { NormReciprocal = NormReciprocal.Divider };

    [SimFact(Simulator.Verilator)]
    public void DividerNormsInVerilator() => Check(Tiny.ModelOne, Divider, Simulator.Verilator, 2);

    [SimFact(Simulator.Icarus)]
    public void DividerNormsInIcarus()
    {
        Check(Tiny.ModelOne, Divider, Simulator.Icarus, 2);
        Check(Tiny.ModelTwo, Odd with { NormReciprocal = NormReciprocal.Divider }, Simulator.Icarus, 2);
    }

    /// <summary>Exp units shared by the scan PEs: one for all eight default PEs, and three for the odd config's six
    /// (a partial last turn).</summary>
    [SimFact(Simulator.Verilator)]
    public void SharedExpUnitsInVerilator()
    {
        Check(Tiny.ModelOne, new AcceleratorConfig { ExpUnits = 1 }, Simulator.Verilator, 2);
        Check(Tiny.ModelTwo, Odd with { ExpUnits = 4 }, Simulator.Verilator, 2);
    }

    [SimFact(Simulator.Icarus)]
    public void SharedExpUnitsInIcarus()
    {
        Check(Tiny.ModelOne, new AcceleratorConfig { ExpUnits = 3 }, Simulator.Icarus, 2);
        Check(Tiny.ModelTwo, Odd with { ExpUnits = 4 }, Simulator.Icarus, 2);
    }

    /// <summary>Blocks time-multiplexed on one set of units (layer-major, ROMs per layer, the residual stream in
    /// one T x D memory): the same codes as the engine for every block's tensors, and the modelled cycles. The
    /// tiny models have 4 tokens, fewer than the block's 7 stages, so norm job (l, t) really waits on out_proj's (l - 1, t).</summary>
    [SimFact(Simulator.Icarus)]
    public void SharedBlocksInIcarus()
    {
        Check(Tiny.ModelTwo, Odd with { Blocks = BlockMode.Shared }, Simulator.Icarus, 2);
        Check(Engine.Quantize.RandomModel.Quantized(Tiny.Two with { NLayers = 3, DModel = 6 }, 42, new Precision { WeightBits = 4, Kinds = new Dictionary<string, Precision.Override> { ["h"] = new(Bits: 8), ["abar"] = new(Bits: 8) } }),
            new AcceleratorConfig { Blocks = BlockMode.Shared, ExpUnits = 3, NormReciprocal = NormReciprocal.Divider }, Simulator.Icarus, 2);
    }

    [SimFact(Simulator.Verilator)]
    public void SharedBlocksInVerilator()
    {
        Check(Tiny.ModelTwo, new AcceleratorConfig { Blocks = BlockMode.Shared }, Simulator.Verilator, 2);
        Check(Tiny.ModelOne, Odd with { Blocks = BlockMode.Shared }, Simulator.Verilator, 2);
    }

    [SimFact(Simulator.Icarus)]
    public void EveryLaneCountGivesTheSameCodesAndItsModelledCycles()
    {
        var configs = new AcceleratorConfig[]
        {
            new() { LinearLanes = 1, LinearRows = 1, VectorLanes = 1, SsmLanes = 1, StateLanes = 1 },   // fully serial units
            new() { LinearLanes = 2, LinearRows = 3, VectorLanes = 5, SsmLanes = 8, StateLanes = 2, StreamLanes = 2 },   // the scan all at once
            new() { LinearLanes = 16, LinearRows = 16, VectorLanes = 16, SsmLanes = 16, StateLanes = 4, StreamLanes = 64 },   // wider than every tensor
            new() { LinearLanes = 3, LinearInterval = 7 },   // rows per layer: 1 for x_proj / dt_proj, more for embed and in_proj
        };
        foreach (var c in configs) Check(Tiny.ModelOne, c, Simulator.Icarus, 1);
    }

    /// <summary>Other shapes and precisions (expand 1, one state, wide and narrow activations, a 24-bit state,
    /// per-tensor weights, min-max calibration): the same RTL generator, bit-exact each time.</summary>
    [SimFact(Simulator.Icarus)]
    public void OtherShapesAndPrecisionsAreBitExact()
    {
        var cases = new (Core.ModelConfig Cfg, Precision P)[]
        {
            (Tiny.One with { Expand = 1, DState = 1 }, new Precision { ActBits = 6, Kinds = new Dictionary<string, Precision.Override> { ["h"] = new(Bits: 24) } }),
            (Tiny.One with { DState = 4, DConv = 2 }, new Precision { ActBits = 12, PerChannel = false, Method = CalibMethod.Max }),
            (Tiny.Two with { NLayers = 3, DModel = 6 }, new Precision { WeightBits = 4, Kinds = new Dictionary<string, Precision.Override> { ["h"] = new(Bits: 8), ["abar"] = new(Bits: 8) } }),
        };
        for (int i = 0; i < cases.Length; i++) Check(Engine.Quantize.RandomModel.Quantized(cases[i].Cfg, 40 + i, cases[i].P), new AcceleratorConfig { LinearLanes = 1 + i, LinearRows = 3 - i, VectorLanes = 2 + i, SsmLanes = 1 + 2 * i, StateLanes = 1 + i }, Simulator.Icarus, 2);
    }

    /// <summary>A source that withholds beats and a sink that refuses them (about 40 % of cycles each, AXI4-Stream
    /// rules) change no output and no tapped tensor, only the cycle count, which then exceeds the model's.</summary>
    [SimFact(Simulator.Icarus)]
    public void BackPressureOnBothStreamsChangesOnlyTheCycles()
    {
        var m = Tiny.ModelTwo;
        var c = Odd;
        var d = RtlGenerator.Generate(m, c);
        var build = Simulation.Build(d, Simulator.Icarus, Tiny.Cache);
        var inputs = Enumerable.Range(0, 2).Select(s => Tiny.Input(m, 300 + s)).ToList();
        var res = Simulation.Run(build, inputs, taps: true, stallPercent: 40);
        long model = CycleModel.Of(m, c).Total;
        for (int s = 0; s < inputs.Count; s++)
        {
            Assert.Null(Cosim.FirstMismatch(m, d, inputs[s], res[s]));
            Assert.True(res[s].Cycles > model, $"{res[s].Cycles} cycles under back-pressure, model {model}");
        }
    }

    [SimFact(Simulator.Icarus)]
    public void ARerunUsesTheCachedBuild()
    {
        string cache = Path.Combine(Path.GetTempPath(), "emamba-hw-cache-" + Guid.NewGuid().ToString("N"));
        try
        {
            var d = RtlGenerator.Generate(Tiny.ModelOne, new AcceleratorConfig { LinearLanes = 7 });
            Assert.False(Simulation.Build(d, Simulator.Icarus, cache).Cached);
            var again = Simulation.Build(RtlGenerator.Generate(Tiny.ModelOne, new AcceleratorConfig { LinearLanes = 7 }), Simulator.Icarus, cache);
            Assert.True(again.Cached);
            Assert.Equal(Tiny.ModelOne.Config.NumOutputs, Simulation.Run(again, [Tiny.Input(Tiny.ModelOne, 1)], taps: false)[0].Outputs.Length);
            Assert.NotEqual(d.Hash, RtlGenerator.Generate(Tiny.ModelOne, new AcceleratorConfig { LinearLanes = 6 }).Hash);
        }
        finally { Directory.Delete(cache, recursive: true); }
    }

    /// <summary>A corrupt ROM word is named at the first tensor it changes: x_proj's second bias row of block 0 in
    /// the unrolled one-block model, and of block 1 in the shared ROM of the two-block model (its words follow
    /// block 0's), which the layered taps report as blocks.1.</summary>
    [SimTheory(Simulator.Icarus)]
    [InlineData(false)]
    [InlineData(true)]
    public void AMismatchNamesTheFirstDifferingTensorTokenAndIndex(bool shared)
    {
        var m = shared ? Tiny.ModelTwo : Tiny.ModelOne;
        var d = RtlGenerator.Generate(m, new AcceleratorConfig { Blocks = shared ? BlockMode.Shared : BlockMode.Unrolled });
        // Flip the bias of x_proj's second row (dt is R = 1 row, so that is B index 0): every earlier tensor still agrees.
        // The ROM is BW bits wide and the accumulator AW (the top's instance says): both grow by 32 bits so that
        // the corrupt bias, 2^30 away, reaches the accumulator whole.
        string unit = shared ? "u_bL_x_proj" : "u_b0_x_proj", rom = shared ? "rom/blocks_L_x_proj_bias.hex" : "rom/blocks_0_x_proj_bias.hex", topFile = "rtl/" + d.Top + ".v";
        int row = shared ? m.Blocks[0].XProj.OutFeatures + 1 : 1;
        var inst = System.Text.RegularExpressions.Regex.Match(d.Files[topFile], $@"em_linear #\([^;]*?{unit} \(");
        int bw = int.Parse(System.Text.RegularExpressions.Regex.Match(inst.Value, @"\.BW\((\d+)\)").Groups[1].Value);
        int aw = int.Parse(System.Text.RegularExpressions.Regex.Match(inst.Value, @"\.AW\((\d+)\)").Groups[1].Value);
        string wider = inst.Value.Replace($".BW({bw})", $".BW({bw + 32})").Replace($".AW({aw})", $".AW({aw + 32})");
        var biases = d.Files[rom].Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(h => Convert.ToInt64(h, 16)).Select(v => v >= 1L << (bw - 1) ? v - (1L << bw) : v).ToArray();
        biases[row] += biases[row] >= 0 ? -(1L << 30) : 1L << 30;   // far past any rounding: B saturates the other way
        var lines = biases.Select(v => Hex.Word(v, bw + 32)).Append("").ToArray();
        var files0 = new Dictionary<string, string>(d.Files) { [topFile] = d.Files[topFile].Replace(inst.Value, wider) };
        var files = new Dictionary<string, string>(files0) { [rom] = string.Join('\n', lines) };
        var bad = d with { Files = files, Hash = RtlGenerator.HashOf(files) };
        var x = Tiny.Input(m, 5);
        var res = Simulation.Run(Simulation.Build(bad, Simulator.Icarus, Tiny.Cache), [x], taps: true);
        string? msg = Cosim.FirstMismatch(m, bad, x, res[0]);
        Assert.NotNull(msg);
        Assert.StartsWith($"blocks.{(shared ? 1 : 0)}.B token 0 index 0: RTL", msg);
    }
}
