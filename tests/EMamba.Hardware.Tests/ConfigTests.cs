using EMamba.Core.Integer;
using CsCheck;
using EMamba.Core;

namespace EMamba.Hardware.Tests;

/// <summary>The accelerator config: defaults are valid, a file lists every problem, unknown keys are refused.</summary>
public class ConfigTests
{
    [Fact]
    public void DefaultsAreValidAndRoundTrip()
    {
        var c = new AcceleratorConfig().Validated();
        Assert.Equal(c, AcceleratorConfig.Parse(c.ToJson(), "defaults"));
        Assert.Equal(c, AcceleratorConfig.Parse("{}", "empty"));
    }

    [Fact]
    public void EveryProblemIsListed()
    {
        var e = Assert.Throws<ConfigException>(() => AcceleratorConfig.Parse("""{ "linear_lanes": 0, "clock_mhz": -5, "top_name": "9bad" }""", "acc.json"));
        Assert.Equal(3, e.Problems.Count);
        Assert.Contains(e.Problems, p => p.StartsWith("linear_lanes = 0", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.StartsWith("clock_mhz = -5", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.StartsWith("top_name = '9bad'", StringComparison.Ordinal));
        Assert.StartsWith("acc.json: invalid configuration", e.Message);
    }

    [Theory]
    [InlineData("""{ "lanes": 4 }""")]
    [InlineData("""{ "linear_lanes": "four" }""")]
    [InlineData("[1, 2]")]
    [InlineData("""{ "norm_reciprocal": "lut" }""")]
    [InlineData("""{ "norm_reciprocal": 1 }""")]
    [InlineData("""{ "blocks": "folded" }""")]
    [InlineData("""{ "blocks": 1 }""")]
    public void UnknownKeysAndWrongTypesAreRefused(string json) =>
        Assert.Throws<ConfigException>(() => AcceleratorConfig.Parse(json, "acc.json"));

    /// <summary>The reciprocal source and the block mode read as snake_case text and are left out of the JSON at their
    /// defaults (the ROM, unrolled), so the cache keys of configs that never named them do not change.</summary>
    [Theory]
    [InlineData("norm_reciprocal", "divider")]
    [InlineData("blocks", "shared")]
    public void EnumKeysReadAsTextAndAreOmittedAtTheirDefaults(string key, string value)
    {
        var c = AcceleratorConfig.Parse($$"""{ "{{key}}": "{{value}}" }""", "acc.json");
        Assert.True(key == "blocks" ? c.Blocks == BlockMode.Shared : c.NormReciprocal == NormReciprocal.Divider);
        Assert.Contains($"\"{key}\": \"{value}\"", c.ToJson());
        Assert.Equal(c, AcceleratorConfig.Parse(c.ToJson(), "round trip"));
        Assert.DoesNotContain(key, new AcceleratorConfig().ToJson());
    }

    [Theory]
    [InlineData("em_top")]
    [InlineData("tb")]
    [InlineData("top-name")]
    public void TopNamesThatWouldCollideOrAreNotIdentifiersAreRefused(string name) =>
        Assert.Contains(new AcceleratorConfig { TopName = name }.Problems(), p => p.StartsWith("top_name", StringComparison.Ordinal));

    private static readonly Gen<AcceleratorConfig> Configs =
        Gen.Select(Gen.Int[1, 12], Gen.Int[1, 12], Gen.Int[1, 12], Gen.Int[1, 12], Gen.Int[1, 4], Gen.Int[1, 6],
            (l, r, v, p, q, s) => new AcceleratorConfig { LinearLanes = l, LinearRows = r, VectorLanes = v, SsmLanes = p, StateLanes = q, StreamLanes = s });

    /// <summary>More hardware never costs cycles: every work count falls or stays with its lanes, and every
    /// start and end of the schedule is a max of earlier ends plus work.</summary>
    [Fact]
    public void AnyLaneAddedNeverAddsCycles() =>
        Configs.Sample(c =>
        {
            long t = CycleModel.Of(Tiny.ModelTwo, c).Total;
            foreach (var more in new[] { c with { LinearLanes = c.LinearLanes + 1 }, c with { LinearRows = c.LinearRows + 1 }, c with { VectorLanes = c.VectorLanes + 1 },
                         c with { SsmLanes = c.SsmLanes + 1 }, c with { StateLanes = c.StateLanes + 1 }, c with { StreamLanes = c.StreamLanes + 1 } })
                Assert.True(CycleModel.Of(Tiny.ModelTwo, more).Total <= t, $"{more.ToJson()} takes more cycles than {c.ToJson()}");
        }, iter: 200);

    /// <summary>Shared exp units: one per PE is the default, more units never add cycles, and the scan takes
    /// ceil(PEs / units) times the cycles of one unit per PE.</summary>
    [Fact]
    public void SharedExpUnitsMultiplyTheScanByTheirTurns() =>
        Configs.Sample(c =>
        {
            int pes = c.SsmLanes * c.StateLanes;
            Assert.Equal(CycleModel.Of(Tiny.ModelTwo, c).Total, CycleModel.Of(Tiny.ModelTwo, c with { ExpUnits = pes }).Total);
            var scan = Pipeline.Of(Tiny.ModelTwo, c)["blocks.0.scan"].Work;
            long prev = long.MaxValue;
            for (int u = 1; u <= pes; u++)
            {
                var shared = c with { ExpUnits = u };
                Assert.Empty(shared.Problems());
                Assert.Equal(scan * Pipeline.Ceil(pes, u), Pipeline.Of(Tiny.ModelTwo, shared)["blocks.0.scan"].Work);
                long t = CycleModel.Of(Tiny.ModelTwo, shared).Total;
                Assert.True(t <= prev, $"{u} exp units take more cycles than {u - 1}");
                prev = t;
            }
        }, iter: 50);

    [Theory]
    [InlineData(-1)]
    [InlineData(9)]
    public void ExpUnitsOutsideNoneToOnePerPeAreRefused(int units) =>
        Assert.Contains(new AcceleratorConfig { SsmLanes = 4, StateLanes = 2, ExpUnits = units }.Problems(), p => p.StartsWith($"exp_units = {units}", StringComparison.Ordinal));

    [Fact]
    public void ExpUnitsAreOmittedAtTheirDefault()
    {
        var c = AcceleratorConfig.Parse("""{ "exp_units": 2 }""", "acc.json");
        Assert.Equal(2, c.ExpUnits);
        Assert.Equal(4, c.ScanPhases());
        Assert.Equal(c, AcceleratorConfig.Parse(c.ToJson(), "round trip"));
        Assert.DoesNotContain("exp_units", new AcceleratorConfig().ToJson());
    }

    /// <summary>The closed form is a lower bound of the schedule; the schedule never starts a token before
    /// its predecessor stage ended it, nor before the stage itself ended the previous one.</summary>
    [Fact]
    public void TheScheduleRespectsItsDependenciesAndTheClosedFormBoundsIt() =>
        Configs.Sample(c =>
        {
            var cm = CycleModel.Of(Tiny.ModelTwo, c);
            Assert.True(cm.Analytical <= cm.Total, $"{cm.Analytical} > {cm.Total}");
            var st = cm.Pipeline.Stages.Where(s => s.PerToken).ToList();
            foreach (var s in st)
                for (int t = 0; t < cm.Tokens; t++)
                {
                    Assert.Equal(cm.Start[s.Index][t] + s.Work, cm.End[s.Index][t]);
                    if (t > 0) Assert.True(cm.Start[s.Index][t] > cm.End[s.Index][t - 1]);
                    if (s.Index > 0) Assert.True(cm.Start[s.Index][t] > cm.End[s.Index - 1][t]);
                }
            foreach (var b in cm.Pipeline.Buffers)   // a writer never overwrites a slot a reader has not finished
                for (int t = b.Slots; t < cm.Tokens; t++)
                    foreach (int r in b.Readers) Assert.True(cm.Start[b.Writer][t] > cm.End[r][t - b.Slots]);
        }, iter: 200);

    /// <summary>A shared unit saturates at one width, so blocks with different bits for a tensor are refused by name
    /// (and stay fine unrolled).</summary>
    [Fact]
    public void SharedBlocksRefuseBlocksOfDifferentPrecisions()
    {
        var m = Tiny.ModelTwo;
        var b1 = m.Blocks[1] with { State = m.Blocks[1].State with { Bits = m.Blocks[1].State.Bits + 4 } };
        var mixed = m with { Blocks = [m.Blocks[0], b1] };
        var e = Assert.Throws<NotSupportedException>(() => RtlGenerator.Generate(mixed, new AcceleratorConfig { Blocks = BlockMode.Shared }));
        Assert.Contains("h is s12", e.Message);
        Assert.Contains("/ s16", e.Message);
        RtlGenerator.Generate(mixed, new AcceleratorConfig());
    }

    private static readonly Lazy<IntModel> threeBlocks16Tokens = new(() => Engine.Quantize.RandomModel.Quantized(Tiny.Two with { NLayers = 3, Patch = 2 }, 8, Tiny.Narrow));

    /// <summary>Shared blocks: every (layer, token) job of a block stage starts after its own previous job and its
    /// predecessor's same job, norm job (l, t) after the embedding's token t (l = 0) or out_proj's job (l - 1, t),
    /// norm_f's token t after out_proj's job (L - 1, t), the buffer slots hold in jobs, and the closed form bounds
    /// it all; on 4 tokens (fewer than the 7 block stages) and on 16.</summary>
    [Fact]
    public void TheSharedScheduleRespectsItsLayerDependencies() =>
        Configs.Sample(c0 =>
        {
            var c = c0 with { Blocks = BlockMode.Shared };
            foreach (var m in new[] { Tiny.ModelTwo, threeBlocks16Tokens.Value })
            {
                var cm = CycleModel.Of(m, c);
                var p = cm.Pipeline;
                int tk = cm.Tokens, layers = m.Blocks.Length, first = p.Stages.First(s => s.Layered).Index, last = p.Stages.Last(s => s.Layered).Index;
                Assert.True(cm.Analytical <= cm.Total, $"{cm.Analytical} > {cm.Total}");
                foreach (var s in p.Stages.Where(s => s.PerToken))
                {
                    Assert.Equal(p.Jobs(s, tk), cm.Start[s.Index].Length);
                    for (int j = 0; j < cm.Start[s.Index].Length; j++)
                    {
                        Assert.Equal(cm.Start[s.Index][j] + s.Work, cm.End[s.Index][j]);
                        if (j > 0) Assert.True(cm.Start[s.Index][j] > cm.End[s.Index][j - 1]);
                        long after = s.Index == 0 ? -1
                            : s.Index == first ? (j < tk ? cm.End[first - 1][j] : cm.End[last][j - tk])
                            : s.Index == last + 1 ? cm.End[last][(layers - 1) * tk + j]
                            : cm.End[s.Index - 1][j];
                        Assert.True(cm.Start[s.Index][j] > after, $"{s.Name} job {j} starts at {cm.Start[s.Index][j]}, its predecessor ends at {after}");
                    }
                }
                foreach (var b in p.Buffers)
                    for (int j = b.Slots; j < cm.Start[b.Writer].Length; j++)
                        foreach (int r in b.Readers) Assert.True(cm.Start[b.Writer][j] > cm.End[r][j - b.Slots]);
            }
        }, iter: 100);

    /// <summary>With linear_interval set, each linear layer gets the fewest rows that meet it: one row fewer
    /// would miss it (unless a row group alone is longer than the interval, when it gets every row).</summary>
    [Fact]
    public void LinearIntervalGivesEachLayerTheFewestRowsThatMeetIt() =>
        Gen.Select(Gen.Int[1, 64], Gen.Int[1, 64], Gen.Int[1, 8], Gen.Int[1, 200]).Sample((inF, outF, lanes, interval) =>
        {
            var c = new AcceleratorConfig { LinearLanes = lanes, LinearInterval = interval };
            int rows = c.RowsFor(inF, outF), groups = Pipeline.Ceil(inF, lanes);
            Assert.InRange(rows, 1, outF);
            if (groups > interval) { Assert.Equal(outF, rows); return; }
            Assert.True(Pipeline.Ceil(outF, rows) * groups <= interval);
            if (rows > 1) Assert.True(Pipeline.Ceil(outF, rows - 1) * groups > interval);
        }, iter: 500);

    [Fact]
    public void TheInitiationIntervalIsTheSlowestStage()
    {
        var c = new AcceleratorConfig { LinearLanes = 1, LinearRows = 1 };
        var cm = CycleModel.Of(Tiny.ModelOne, c);
        Assert.Equal("embed", cm.Bottleneck.Name);   // 80 inputs x 4 outputs, one MAC a cycle
        Assert.Equal(80 * 4 + 1, cm.InitiationInterval);
        // Steady state: the bottleneck starts a token every II cycles.
        var e = cm.Start[cm.Bottleneck.Index];
        Assert.Equal(cm.InitiationInterval, e[^1] - e[^2]);
    }

    [Theory]
    [InlineData("{\"linear_rows\": 0}", "linear_rows")]
    [InlineData("{\"ssm_lanes\": 999}", "ssm_lanes")]
    [InlineData("{\"linear_lanes\": 64, \"linear_rows\": 64}", "linear_lanes x linear_rows")]
    [InlineData("{\"ssm_lanes\": 64, \"state_lanes\": 32}", "ssm_lanes x state_lanes")]
    public void LaneCountsOutOfRangeAreNamed(string json, string key)
    {
        var e = Assert.Throws<ConfigException>(() => AcceleratorConfig.Parse(json, "acc.json"));
        Assert.Contains(key, e.Message);
    }
}
