using EMamba.Core;
using EMamba.Core.Integer;
using EMamba.Search.Space;

namespace EMamba.Search.Tests;

/// <summary>The space file: each kind of validation error (with the file and the JSON path), the example
/// spaces' round trip, and candidates applied to their base config.</summary>
public class SpaceTests
{
    private static SearchSpace Parse(string json) => SearchSpace.Parse(json, "space.json", ".");

    /// <summary>The problems a space with these members (after a valid base_config) is rejected with.</summary>
    private static IReadOnlyList<string> Problems(string members, string baseConfig = "\"mars-paper\"")
    {
        var e = Assert.Throws<ConfigException>(() => Parse($"{{ \"base_config\": {baseConfig}{(members.Length > 0 ? ", " + members : "")} }}"));
        Assert.StartsWith("space.json: ", e.Message);
        return e.Problems;
    }

    private static void Rejects(string members, string expected) => Assert.Contains(expected, Problems(members));

    [Fact]
    public void ARangeWhoseLowIsAboveItsHighNamesTheFileAndThePath()
    {
        var e = Assert.Throws<ConfigException>(() => Parse("""{ "base_config": "mars-paper", "architecture": { "d_model": { "low": 64, "high": 32 } } }"""));
        Assert.Equal("space.json: invalid configuration:\n  - architecture.d_model: low 64 is above high 32", e.Message);
    }

    [Fact]
    public void UnknownKeysAreRejectedWithTheKnownOnes()
    {
        Rejects("\"architcture\": {}", "architcture: unknown key (known: base_config, accelerator, architecture, approximation, quantization, objectives, constraints, budget, sampler)");
        Rejects("\"architecture\": { \"dmodel\": 20 }", "architecture.dmodel: unknown key (known: d_model, expand, d_state, n_layers, patch, d_conv, dt_rank)");
        Rejects("\"quantization\": { \"d_model\": 20 }", "quantization.d_model: unknown key (known: state_bits, per_channel, calib_method)");
        Rejects("\"architecture\": { \"d_model\": { \"low\": 8, \"high\": 16, \"stride\": 2 } }", "architecture.d_model.stride: unknown key (known: low, high, step, log)");
        Rejects("\"approximation\": { \"silu_lo\": { \"low\": -8, \"high\": -4, \"step\": 1 } }", "approximation.silu_lo.step: unknown key (known: low, high, log)");
        Rejects("\"architecture\": { \"d_model\": { \"choices\": [16], \"low\": 8 } }", "architecture.d_model.low: unknown key (known: choices)");
        Rejects("\"budget\": { \"trails\": 3 }", "budget.trails: unknown key (known: trials, min_epochs, max_epochs, eta, seed)");
        Rejects("\"constraints\": { \"max_latency\": 3 }", "constraints.max_latency: unknown key (known: max_metric_fp32, min_metric_fp32, max_metric_int8, min_metric_int8, max_params, min_params, max_cycles, min_cycles, max_area, min_area, max_energy, min_energy)");
        Rejects("\"architecture\": { \"d_model\": 16, \"d_model\": 20 }", "architecture.d_model: given twice");
    }

    [Fact]
    public void ValuesOutsideTheirBoundsOrOfTheWrongKindAreRejected()
    {
        Rejects("\"architecture\": { \"expand\": 9 }", "architecture.expand: 9 is outside 1..8");
        Rejects("\"architecture\": { \"d_model\": 2.5 }", "architecture.d_model: 2.5 is not an integer in 1..4096");
        Rejects("\"architecture\": { \"d_model\": { \"low\": 8.5, \"high\": 16 } }", "architecture.d_model.low: 8.5 is not an integer");
        Rejects("\"quantization\": { \"state_bits\": { \"low\": 4, \"high\": 16 } }", "quantization.state_bits.low: 4 is outside 8..24");
        Rejects("\"approximation\": { \"knot_placement\": \"spline\" }", "approximation.knot_placement: \"spline\" is not one of uniform, fitted, fine_tuned");
        Rejects("\"quantization\": { \"calib_method\": { \"choices\": [\"max\", \"kl\"] } }", "quantization.calib_method.choices[1]: \"kl\" is not one of max, percentile, mse");
        Rejects("\"architecture\": { \"dt_rank\": \"full\" }", "architecture.dt_rank: \"full\" is not \"auto\" or an integer in 1..4096");
        Rejects("\"quantization\": { \"per_channel\": 1 }", "quantization.per_channel: 1 is not true or false");
    }

    [Fact]
    public void RangesAndChoicesMustBeWellFormed()
    {
        Rejects("\"quantization\": { \"per_channel\": { \"low\": 0, \"high\": 1 } }", "quantization.per_channel: a range needs a numeric parameter; give one value or {\"choices\": [...]} (true or false)");
        Rejects("\"architecture\": { \"d_state\": { \"low\": 0, \"high\": 16, \"log\": true } }", "architecture.d_state.low: 0 is outside 1..256");
        Rejects("\"approximation\": { \"silu_hi\": { \"low\": 0, \"high\": 8, \"log\": true } }", "approximation.silu_hi: a log range needs low > 0 (low is 0)");
        Rejects("\"architecture\": { \"d_state\": { \"low\": 4, \"high\": 16, \"step\": 2, \"log\": true } }", "architecture.d_state: a log range takes no step (step is 2)");
        Rejects("\"architecture\": { \"d_state\": { \"low\": 4, \"high\": 16, \"step\": 0 } }", "architecture.d_state.step: 0 is not an integer >= 1");
        Rejects("\"architecture\": { \"d_state\": { \"high\": 16 } }", "architecture.d_state: a range needs low (or give {\"choices\": [...]})");
        Rejects("\"architecture\": { \"patch\": { \"choices\": [] } }", "architecture.patch.choices: must be a non-empty list");
        Rejects("\"architecture\": { \"patch\": { \"choices\": [2, 4, 2] } }", "architecture.patch.choices[2]: 2 is listed twice");
        Rejects("\"architecture\": [1]", "architecture: must be an object, not array");
    }

    [Fact]
    public void TheBaseConfigMustBeAnEMambaVisionOrRadarModel()
    {
        var missing = Assert.Throws<ConfigException>(() => Parse("{}"));
        Assert.Contains("base_config: missing: a preset name (e.g. mars-paper) or a model config's path", missing.Problems);
        Assert.Contains(Problems("", "\"no-such.json\""), p => p.StartsWith("base_config: ") && p.Contains("no-such.json") && p.Contains("not found"));
        Assert.Contains(Problems("", "\"mars-vit-s\""), p => p.StartsWith("base_config: 'mars-vit-s' is a vit regress model"));
        Assert.Contains(Problems("", "\"wikitext2-small\""), p => p.StartsWith("base_config: 'wikitext2-small' is a mamba lm model"));
    }

    [Fact]
    public void ObjectivesConstraintsBudgetAndSamplerAreChecked()
    {
        Rejects("\"objectives\": [\"metric_int8\", \"latency\"]", "objectives[1]: \"latency\" is not one of metric_fp32, metric_int8, params, cycles, area, energy");
        Rejects("\"objectives\": [\"params\", { \"name\": \"params\" }]", "objectives[1]: params is listed twice");
        Rejects("\"objectives\": [{ \"name\": \"cycles\", \"direction\": \"up\" }]", "objectives[0].direction: \"up\" is not minimize or maximize");
        Rejects("\"objectives\": []", "objectives: must be a non-empty list of names");
        Rejects("\"constraints\": { \"max_params\": \"many\" }", "constraints.max_params: \"many\" is not a finite number");
        Rejects("\"budget\": { \"eta\": 1 }", "budget.eta 1 must be in 2..100");
        Rejects("\"budget\": { \"min_epochs\": 10, \"max_epochs\": 5 }", "budget.max_epochs 5 must be in min_epochs (10)..100000");
        Rejects("\"sampler\": { \"kind\": \"tpe\" }", "sampler.kind: \"tpe\" is not random or nsga2");
        Rejects("\"sampler\": { \"population\": 1 }", "sampler.population 1 must be in 2..10000");
        Rejects("\"accelerator\": \"nowhere.json\"", "accelerator: 'nowhere.json' not found (relative paths start at .)");
    }

    [Fact]
    public void EveryProblemIsListedNotJustTheFirst() =>
        Assert.Equal(3, Problems("\"architecture\": { \"expand\": 0, \"d_state\": { \"low\": 9, \"high\": 3 } }, \"budget\": { \"trials\": 0 }").Count);

    [Fact]
    public void DefaultsFillWhatTheFileLeavesOut()
    {
        var s = Parse("""{ "base_config": "fmnist-small" }""");
        Assert.Empty(s.Parameters);
        Assert.Equal([new Objective(ObjectiveKind.MetricInt8, Direction.Maximize), new Objective(ObjectiveKind.Params, Direction.Minimize)], s.Objectives);
        Assert.Equal(new Budget(), s.Budget);
        Assert.Equal(new SamplerSettings(), s.Sampler);
        var mars = Parse("""{ "base_config": "mars-paper", "objectives": ["metric_fp32", { "name": "energy", "direction": "maximize" }] }""");
        Assert.Equal([new Objective(ObjectiveKind.MetricFp32, Direction.Minimize), new Objective(ObjectiveKind.Energy, Direction.Maximize)], mars.Objectives);
    }

    [Theory]
    [InlineData("mars.json", TaskKind.Mars, 16800, 5 + 10 / 3.0 + 30 / 9.0 + 55 / 27.0)]
    [InlineData("fmnist.json", TaskKind.Fmnist, 36333, 1 + 2 / 3.0 + 6 / 9.0 + 6 / 27.0)]
    public void TheExampleSpacesLoadAndRoundTrip(string file, TaskKind task, double maxParams, double epochsPerTrial)
    {
        string path = Path.Combine(Repo.Root, "configs", "search", file);
        var s = SearchSpace.Load(path);
        Assert.Equal(task, s.Base.Model.Task);
        Assert.Equal(epochsPerTrial, s.Budget.Asha.ExpectedEpochs(), 9);   // the sizing of docs/search.md
        Assert.Equal(new Constraint(ObjectiveKind.Params, Bound.Max, maxParams), Assert.Single(s.Constraints));
        Assert.Equal(Knob.All.Count, s.Parameters.Count);
        Assert.Equal(Knob.All.Select(k => k.Name), s.Parameters.Select(p => p.Name));
        string json = s.ToJson();
        var again = SearchSpace.Parse(json, "again.json", Path.GetDirectoryName(path)!);
        Assert.Equal(json, again.ToJson());
        Assert.Equal(s.Budget, again.Budget);
        Assert.Equal(s.Objectives, again.Objectives);
        Assert.All(s.Parameters.Zip(again.Parameters), t => Assert.Equal(Describe(t.First.Domain), Describe(t.Second.Domain)));
    }

    private static string Describe(ParamDomain d) => d is Categorical c ? "choices " + string.Join(",", c.Choices) : d.ToString();

    [Fact]
    public void TheBaseValuesMakeThePaperSizeEMambaModelWithItsTableParameters()
    {
        var s = Parse("""{ "base_config": "mars-paper", "budget": { "max_epochs": 30 } }""");
        var a = s.Apply(new Candidate(new Dictionary<string, object>()));
        Assert.True(a.Valid, string.Join("; ", a.Problems));
        var c = a.Config!;
        Assert.Equal(Norm.Range, c.Run.Model.Norm);
        Assert.Equal(DeltaAct.Relu, c.Run.Model.DeltaAct);
        Assert.Equal(RangeInit.Matched, c.Run.Model.RangeInit);
        Assert.Equal(30, c.Run.Train.Epochs);
        // The fine-tuned eMamba model of docs/results/mars.md: 9,657 weights + 17- and 11-segment tables.
        Assert.Equal(9_717, c.Parameters);
        Assert.Equal((17, -7.0, 7.0), (c.Approx.Silu.Segments, c.Approx.Silu.Lo, c.Approx.Silu.Hi));
        Assert.Equal(KnotPlacement.Fitted, c.Approx.Placement);
        Assert.Equal(0, c.Approx.FineTuneEpochs);
        Assert.Equal(new Precision().For("blocks.0.h"), c.Precision.For("blocks.0.h"));
    }

    [Fact]
    public void ACandidateSetsTheConfigsItNames()
    {
        var s = Parse("""{ "base_config": "mars-paper" }""");
        var c = s.Apply(new Candidate(new Dictionary<string, object>
        {
            ["d_model"] = 16, ["n_layers"] = 3, ["dt_rank"] = 2, ["exp_segments"] = 8, ["exp_lo"] = -6.0,
            ["knot_placement"] = KnotPlacement.FineTuned, ["finetune_epochs"] = 3, ["state_bits"] = 12, ["calib_method"] = CalibMethod.Mse, ["per_channel"] = false,
        })).Config!;
        Assert.Equal((16, 3, "2"), (c.Run.Model.DModel, c.Run.Model.NLayers, c.Run.Model.DtRank));
        Assert.Equal((8, -6.0, 1.0), (c.Approx.Exp.Segments, c.Approx.Exp.Lo, c.Approx.Exp.Hi));
        Assert.Equal((KnotPlacement.FineTuned, 3), (c.Approx.Placement, c.Approx.FineTuneEpochs));
        Assert.Equal(new BoundarySetting(12, CalibMethod.Mse), c.Precision.For("blocks.1.h"));
        Assert.False(c.Precision.WeightFor("blocks.0.in_proj").PerChannel);
        Assert.Equal(c.Run.Model.ParameterCount() + 2 * 18 + 2 * 9, c.Parameters);
    }

    [Fact]
    public void InvalidCombinationsComeBackAsReasons()
    {
        var s = Parse("""{ "base_config": "mars-paper" }""");
        IReadOnlyList<string> Why(params (string, object)[] kv) => s.Apply(new Candidate(kv.ToDictionary(x => x.Item1, x => x.Item2))).Problems;
        Assert.Contains("patch 3 must divide the input 8x8 (padding is not supported)", Why(("patch", 3)));
        Assert.Contains("silu_lo 2 must be below silu_hi -1", Why(("silu_lo", 2.0), ("silu_hi", -1.0)));
        Assert.Contains("exp_lo 0.5 must be below 0: exp's input delta*A is never positive", Why(("exp_lo", 0.5), ("exp_hi", 2.0)));
        Assert.Contains("knot_placement fine_tuned needs finetune_epochs >= 1", Why(("knot_placement", KnotPlacement.FineTuned), ("finetune_epochs", 0)));
        Assert.Contains(Why(("silu_segments", 256), ("silu_lo", 1.0), ("silu_hi", 1.000001)), p => p.StartsWith("silu_segments 256 on [1, 1.000001]: silu: knots must increase strictly as float32"));
        Assert.Contains("d_model: 20.5 is not an integer in 1..4096", Why(("d_model", 20.5)));
        Assert.Contains("calib_method: Uniform is not one of max, percentile, mse", Why(("calib_method", KnotPlacement.Uniform)));
        Assert.Contains(Why(("width", 3)), p => p.StartsWith("unknown parameter 'width' (known: d_model, "));
        Assert.False(s.IsValid(new Dictionary<string, object> { ["patch"] = 3 }));
    }

    [Fact]
    public void ParametersRoundTripThroughJsonTyped()
    {
        var values = new Dictionary<string, object>
        {
            ["calib_method"] = CalibMethod.Percentile, ["d_model"] = 24, ["silu_lo"] = -6.25, ["per_channel"] = true, ["dt_rank"] = "auto", ["knot_placement"] = KnotPlacement.FineTuned,
        };
        string json = ParamJson.Write(values).ToJsonString();
        Assert.Contains("\"knot_placement\":\"fine_tuned\"", json);
        var back = ParamJson.Read(json, "trial 3");
        Assert.Equal(["d_model", "dt_rank", "silu_lo", "knot_placement", "per_channel", "calib_method"], back.Keys);
        Assert.All(values, kv => Assert.Equal(kv.Value, back[kv.Key]));
        var e = Assert.Throws<ConfigException>(() => ParamJson.Read("""{ "d_model": "wide", "depth": 2 }""", "trial 4"));
        Assert.Equal(["d_model: \"wide\" is not an integer in 1..4096", "depth: not a parameter (known: " + string.Join(", ", Knob.All.Select(k => k.Name)) + ")"], e.Problems);
    }

    [Fact]
    public void ConstraintViolationsAreRelativeAndAddUp()
    {
        var cs = new[] { new Constraint(ObjectiveKind.Params, Bound.Max, 20000), new Constraint(ObjectiveKind.MetricInt8, Bound.Min, 90) };
        Assert.Equal(0, Constraint.Total(cs, new Dictionary<ObjectiveKind, double> { [ObjectiveKind.Params] = 20000, [ObjectiveKind.MetricInt8] = 91 }));
        Assert.Equal(0.25 + 0.1, Constraint.Total(cs, new Dictionary<ObjectiveKind, double> { [ObjectiveKind.Params] = 25000, [ObjectiveKind.MetricInt8] = 81 }), 12);
        Assert.Equal(double.PositiveInfinity, Constraint.Total(cs, new Dictionary<ObjectiveKind, double> { [ObjectiveKind.Params] = 100 }));
        Assert.Equal(double.PositiveInfinity, cs[0].Violation(double.NaN));
        Assert.Equal("max_params", cs[0].Key);
    }
}

/// <summary>The repository's root (where EMamba.slnx is), found upwards from the test binaries.</summary>
internal static class Repo
{
    public static readonly string Root = Find();

    private static string Find()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "EMamba.slnx"))) return d.FullName;
        throw new DirectoryNotFoundException("EMamba.slnx not found above " + AppContext.BaseDirectory);
    }
}
