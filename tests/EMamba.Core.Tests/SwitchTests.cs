using System.Text.Json;
using System.Text.Json.Nodes;
using EMamba.Core;

namespace EMamba.Core.Tests;

/// <summary>The config switches are enums spelled in JSON exactly as the strings they replaced, so the
/// shipped configs and the config JSON in existing checkpoints and logs read (and write) unchanged.</summary>
public sealed class SwitchTests
{
    private static void RoundTrips<T>(params string[] names) where T : struct, Enum
    {
        Assert.Equal(names, Switches.Names<T>());
        Assert.Equal(names.Length, Enum.GetValues<T>().Length);
        foreach (var (v, name) in Enum.GetValues<T>().Zip(names))
        {
            Assert.Equal($"\"{name}\"", JsonSerializer.Serialize(v, RunConfig.Json));
            Assert.Equal($"\"{name}\"", JsonSerializer.Serialize<object>(v, RunConfig.Json));   // as RunState.Differences writes a field
            Assert.Equal(v, JsonSerializer.Deserialize<T>($"\"{name}\"", RunConfig.Json));
            Assert.True(Switches.TryParse<T>(name, out var parsed));
            Assert.Equal(v, parsed);
        }
        // Only the exact spelling: no other case, no enum numbers.
        Assert.False(Switches.TryParse<T>(names[0].ToUpperInvariant(), out _));
        Assert.False(Switches.TryParse<T>("0", out _));
        Assert.False(Switches.TryParse<T>(null, out _));
        Assert.Throws<JsonException>(() => JsonSerializer.Serialize((T)Enum.ToObject(typeof(T), 99), RunConfig.Json));
    }

    [Fact]
    public void EveryValueRoundTripsThroughItsJsonName()
    {
        RoundTrips<TaskKind>("fmnist", "cifar10", "mars", "wikitext2");
        RoundTrips<Arch>("mamba", "cnn", "vit", "transformer");
        RoundTrips<Head>("classify", "regress", "lm");
        RoundTrips<Norm>("rms", "layer", "range");
        RoundTrips<RangeInit>("one", "matched");
        RoundTrips<DeltaAct>("softplus", "relu");
        RoundTrips<Impl>("exact", "pwl");
        Assert.Equal("cifar10", TaskKind.Cifar10.Name());
        Assert.Equal("wikitext2", TaskKind.Wikitext2.Name());
        Assert.Equal("rms, layer or range", Switches.Alternatives<Norm>());
    }

    [Fact]
    public void EveryValueRoundTripsInAConfig()
    {
        foreach (var task in Enum.GetValues<TaskKind>())
        foreach (var norm in Enum.GetValues<Norm>())
        foreach (var init in new RangeInit?[] { null, RangeInit.One, RangeInit.Matched })
        foreach (var delta in Enum.GetValues<DeltaAct>())
        foreach (var impl in Enum.GetValues<Impl>())
        {
            var t = TaskInfo.All[task];
            var m = new ModelConfig
            {
                Task = task, Head = t.Head, InChannels = Math.Max(1, t.InChannels), Height = Math.Max(4, t.Height), Width = Math.Max(4, t.Width),
                NumOutputs = Math.Max(1, t.Outputs), Norm = norm, RangeInit = init, DeltaAct = delta, Silu = impl, Exp = impl,
            };
            var cfg = new RunConfig { Model = m };
            string json = cfg.ToJson();
            Assert.Contains($"\"task\": \"{task.Name()}\"", json);
            Assert.Contains($"\"norm\": \"{norm.Name()}\"", json);
            Assert.Contains($"\"silu\": \"{impl.Name()}\"", json);
            if (init is null) Assert.DoesNotContain("range_init", json);                  // absent, as before
            else Assert.Contains($"\"range_init\": \"{init.Value.Name()}\"", json);
            Assert.Equal(cfg, RunConfig.Parse(json, "r.json"));
        }
        foreach (var arch in Enum.GetValues<Arch>())
        {
            var m = arch == Arch.Transformer ? Presets.All["wikitext2-transformer"].Model : Presets.All["fmnist-base"].Model with { Arch = arch };
            Assert.Equal(m, RunConfig.ModelFromJson(JsonSerializer.Serialize(m, RunConfig.Json), "m.json"));
        }
        Assert.Null(RunConfig.Parse("""{ "model": { "range_init": null } }""", "c.json").Model.RangeInit);
    }

    [Theory]
    [InlineData("task", "model.task 'imagenet' is not one of fmnist, cifar10, mars, wikitext2")]
    [InlineData("arch", "model.arch 'imagenet' is not one of mamba, cnn, vit, transformer")]
    [InlineData("head", "model.head 'imagenet' must be classify, regress or lm")]
    [InlineData("norm", "model.norm 'imagenet' must be rms, layer or range")]
    [InlineData("range_init", "model.range_init 'imagenet' must be one or matched")]
    [InlineData("delta_act", "model.delta_act 'imagenet' must be softplus or relu")]
    [InlineData("silu", "model.silu 'imagenet' must be exact or pwl")]
    [InlineData("exp", "model.exp 'imagenet' must be exact or pwl")]
    public void ABadValueInAConfigFileNamesTheFieldAndTheAllowedValues(string key, string problem)
    {
        string path = St.TempPath("bad.json");
        File.WriteAllText(path, $$"""{ "model": { "{{key}}": "imagenet" } }""");
        var e = Assert.Throws<ConfigException>(() => RunConfig.Load(path));
        Assert.Equal(4, e.ExitCode);
        Assert.Equal(ExitCodes.BadConfig, e.ExitCode);
        Assert.Contains(problem, e.Problems);
        Assert.Contains(path, e.Message);
        Assert.Contains(problem, e.Message);
        // Not a serializer message: the other spellings a user might try are refused the same way.
        foreach (var v in new[] { "\"RMS\"", "\"0\"", "1", "null", "[\"rms\"]", "{}" })
        {
            if (key == "range_init" && v == "null") continue;      // null = absent (gamma = 1)
            var p = Assert.Throws<ConfigException>(() => RunConfig.Parse($$"""{ "model": { "{{key}}": {{v}} } }""", "c.json")).Problems;
            Assert.Contains(p, s => s.StartsWith($"model.{key} '{v.Trim('"')}'") && s.EndsWith(problem[(problem.IndexOf("' ") + 2)..]));
        }
        // In checkpoint metadata (the model object alone) too.
        var m = Assert.Throws<ConfigException>(() => RunConfig.ModelFromJson($$"""{ "{{key}}": "imagenet" }""", "m.json"));
        Assert.Contains(problem["model.".Length..], m.Problems);
    }

    [Fact]
    public void BadSwitchesAreListedWithEveryOtherProblem()
    {
        var e = Assert.Throws<ConfigException>(() => RunConfig.Parse(
            """{ "model": { "task": "mnist", "d_model": 0, "head": "seg", "norm": "batch", "silu": 3 }, "train": { "epochs": 0 } }""", "c.json"));
        Assert.Equal(
            ["model.task 'mnist' is not one of fmnist, cifar10, mars, wikitext2", "model.d_model 0 must be in 1..4096",
             "model.head 'seg' must be classify, regress or lm", "model.norm 'batch' must be rms, layer or range",
             "model.silu '3' must be exact or pwl", "train.epochs 0 must be in 1..100000"],
            e.Problems);
        // A bad head on a known task is also told which head the task needs, quoting the file's text.
        Assert.Contains("model.head 'seg' does not fit task 'fmnist', which needs head 'classify'",
            Assert.Throws<ConfigException>(() => RunConfig.Parse("""{ "model": { "head": "seg" } }""", "c.json")).Problems);
    }

    [Fact]
    public void ALogWithAnUnknownSwitchNameIsMalformed()
    {
        string json = new TrainLog { Config = new RunConfig(), MetricName = "accuracy", HigherIsBetter = true, BestValMetric = 0 }.ToJson();
        Assert.Equal(json, TrainLog.FromJson(json, "log.json").ToJson());
        Assert.Contains("\"norm\": \"rms\"", json);
        var e = Assert.Throws<EMambaException>(() => TrainLog.FromJson(json.Replace("\"norm\": \"rms\"", "\"norm\": \"batch\""), "log.json"));
        Assert.Contains("log.json: training log is malformed: config.model.norm 'batch' must be rms, layer or range", e.Message);
    }

    /// <summary>The shipped files are hand-formatted with comments; what must hold is that every value
    /// they give is spelled exactly as the product writes it, and that the product's JSON for the
    /// preset reads back to the same file content.</summary>
    [Fact]
    public void EveryPresetSerializesToItsShippedFile()
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "../../../../../configs");
        var options = new JsonNodeOptions { PropertyNameCaseInsensitive = false };
        var doc = new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };
        var defaults = JsonNode.Parse(new RunConfig().ToJson())!;
        foreach (var (name, cfg) in Presets.All)
        {
            string written = cfg.ToJson();
            var file = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, name + ".json")), options, doc)!.AsObject();
            var ours = JsonNode.Parse(written)!.AsObject();
            Assert.Equal(ours.Select(kv => kv.Key), file.Select(kv => kv.Key));
            foreach (var (section, body) in ours)
            {
                var given = file[section]!.AsObject();
                foreach (var (key, value) in body!.AsObject())
                {
                    // A key the file leaves out is at its default.
                    var expected = given.TryGetPropertyValue(key, out var g) ? g : defaults[section]![key];
                    Assert.True(SameValue(expected, value), $"{name}: {section}.{key} is {value?.ToJsonString()} written, {expected?.ToJsonString()} in the file");
                }
                Assert.All(given.Select(kv => kv.Key), k => Assert.True(body.AsObject().ContainsKey(k), $"{name}: {section}.{k}"));
            }
            Assert.Equal(written, RunConfig.Load(Path.Combine(dir, name + ".json")).ToJson());
        }
    }

    private static bool SameValue(JsonNode? a, JsonNode? b) =>
        a is JsonValue va && b is JsonValue vb && va.GetValueKind() == JsonValueKind.Number && vb.GetValueKind() == JsonValueKind.Number
            ? va.GetValue<double>() == vb.GetValue<double>()                  // 1.0 in a file, 1 written
            : JsonNode.DeepEquals(a, b);

    /// <summary>The exact bytes the product writes for a config (and so into checkpoint metadata and
    /// logs): the switch spellings and the key order of the string-typed version.</summary>
    [Fact]
    public void TheWrittenJsonIsByteForByteTheStringVersions()
    {
        var cfg = new RunConfig
        {
            Model = new ModelConfig { Norm = Norm.Range, RangeInit = RangeInit.Matched, DeltaAct = DeltaAct.Relu, Silu = Impl.Pwl, Exp = Impl.Pwl },
        };
        const string expected = """
            {
              "model": {
                "task": "fmnist",
                "arch": "mamba",
                "in_channels": 1,
                "height": 28,
                "width": 28,
                "patch": 4,
                "vocab": 0,
                "embed_dim": 0,
                "d_model": 32,
                "expand": 2,
                "d_state": 8,
                "n_layers": 2,
                "d_conv": 4,
                "heads": 4,
                "mlp_ratio": 2,
                "dt_rank": "auto",
                "head": "classify",
                "num_outputs": 10,
                "norm": "range",
                "range_init": "matched",
                "delta_act": "relu",
                "silu": "pwl",
                "exp": "pwl",
                "conv_silu": true
              },
              "train": {
                "epochs": 10,
                "batch_size": 128,
                "lr": 0.003,
                "min_lr_ratio": 0.02,
                "weight_decay": 0.05,
                "warmup_steps": 200,
                "grad_clip": 1,
                "seed": 1,
                "val_fraction": 0.1,
                "seq_len": 128
              }
            }
            """;
        Assert.Equal(expected.ReplaceLineEndings("\n"), cfg.ToJson().ReplaceLineEndings("\n"));
    }
}
