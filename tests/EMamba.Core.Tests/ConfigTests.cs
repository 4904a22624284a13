using CsCheck;
using EMamba.Core;

namespace EMamba.Core.Tests;

public sealed class ConfigTests
{
    [Fact]
    public void DefaultsAndPresetsAreValidAndRoundTrip()
    {
        Assert.Empty(new ModelConfig().Problems());
        Assert.Empty(new TrainConfig().Problems());
        new RunConfig().Validate("defaults");
        Assert.Equal(new RunConfig(), RunConfig.Parse("{}", "empty.json"));
        Assert.Equal(new RunConfig(), RunConfig.Parse(new RunConfig().ToJson(), "defaults"));
        foreach (var (name, cfg) in Presets.All)
        {
            cfg.Validate(name);
            Assert.Equal(cfg, RunConfig.Parse(cfg.ToJson(), name));
        }
    }

    [Fact]
    public void ShippedConfigFilesEqualThePresets()
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "../../../../../configs");
        foreach (var (name, cfg) in Presets.All)
            Assert.Equal(cfg, RunConfig.Load(Path.Combine(dir, name + ".json")));
    }

    [Fact]
    public void JsonUsesSnakeCaseKeys()
    {
        string json = new RunConfig().ToJson();
        foreach (var key in new[] { "\"model\"", "\"train\"", "\"d_model\"", "\"n_layers\"", "\"dt_rank\": \"auto\"", "\"conv_silu\"", "\"batch_size\"", "\"val_fraction\"" })
            Assert.Contains(key, json);
        Assert.DoesNotContain("d_inner", json);        // computed properties are not serialized
        Assert.DoesNotContain("DModel", json);
    }

    private static readonly Gen<RunConfig> ValidConfig =
        Gen.Select(
            // n_layers up to 8 keeps the largest draw (d_model 512, expand 8) under ModelConfig.MaxParameters.
            Gen.Select(Gen.OneOf(Enum.GetValues<TaskKind>()), Gen.Int[1, 512], Gen.Int[1, 8], Gen.Int[1, 8], Gen.Int[1, 16], Gen.OneOf("auto", "1", "7")),
            Gen.Select(Gen.OneOf(Enum.GetValues<Norm>()), Gen.OneOf(Enum.GetValues<DeltaAct>()), Gen.OneOf(Enum.GetValues<Impl>()), Gen.OneOf(Enum.GetValues<Impl>()), Gen.Bool),
            Gen.Select(Gen.Int[1, 1000], Gen.Int[1, 4096], Gen.Double[1e-6, 1], Gen.Double[0, 1], Gen.Int[0, 10000], Gen.Int[-5, 5]))
        .Select((m, v, t) => new RunConfig
        {
            Model = new ModelConfig
            {
                // The task fixes head, geometry and outputs (patch 4 divides all of them).
                Head = TaskInfo.All[m.Item1].Head, InChannels = Math.Max(1, TaskInfo.All[m.Item1].InChannels),
                Height = Math.Max(1, TaskInfo.All[m.Item1].Height), Width = Math.Max(1, TaskInfo.All[m.Item1].Width),
                NumOutputs = Math.Max(1, TaskInfo.All[m.Item1].Outputs),
                Task = m.Item1, DModel = m.Item2, Expand = m.Item3, NLayers = m.Item4, DState = m.Item5, DtRank = m.Item6,
                Norm = v.Item1, DeltaAct = v.Item2, Silu = v.Item3, Exp = v.Item4, ConvSilu = v.Item5,
            },
            Train = new TrainConfig { Epochs = t.Item1, BatchSize = t.Item2, Lr = t.Item3, MinLrRatio = t.Item4, WarmupSteps = t.Item5, Seed = t.Item6 },
        });

    [Fact]
    public void RandomValidConfigsRoundTripThroughJsonAndFiles()
    {
        ValidConfig.Sample(cfg =>
        {
            Assert.Empty(cfg.Model.Problems());
            Assert.Equal(cfg, RunConfig.Parse(cfg.ToJson(), "r.json"));
        }, iter: 300);
        string p = St.TempPath("c.json");
        var one = Presets.All["fmnist-base"] with { Train = new TrainConfig { Seed = 42 } };
        AtomicFile.WriteAllText(p, one.ToJson());
        Assert.Equal(one, RunConfig.Load(p));
    }

    [Theory]
    [InlineData("""{ "model": { "d_modle": 3 } }""", "d_modle")]
    [InlineData("""{ "modle": {} }""", "modle")]
    [InlineData("""{ "train": { "learning_rate": 0.1 } }""", "learning_rate")]
    [InlineData("""{ "model": { "DModel": 32 } }""", "DModel")]     // keys are snake_case only
    public void UnknownKeyIsAnErrorNamingIt(string json, string key)
    {
        var e = Assert.Throws<ConfigException>(() => RunConfig.Parse(json, "c.json"));
        Assert.Contains(key, e.Message);
        Assert.Contains("c.json", e.Message);
        Assert.Equal(ExitCodes.BadConfig, e.ExitCode);
        Assert.Throws<ConfigException>(() => RunConfig.ModelFromJson("""{ "d_modle": 3 }""", "m.json"));
    }

    [Fact]
    public void EveryProblemIsListed()
    {
        var e = Assert.Throws<ConfigException>(() => RunConfig.Parse(
            """{ "model": { "d_model": 0, "norm": "batch", "patch": 5, "dt_rank": "x" }, "train": { "lr": -1, "epochs": 0 } }""", "c.json"));
        Assert.Equal(6, e.Problems.Count);
        Assert.Contains(e.Problems, p => p.StartsWith("model.d_model 0"));
        Assert.Contains(e.Problems, p => p.Contains("model.norm 'batch'"));
        Assert.Contains(e.Problems, p => p.Contains("model.patch 5 must divide"));
        Assert.Contains(e.Problems, p => p.StartsWith("model.dt_rank 'x'"));
        Assert.Contains(e.Problems, p => p.StartsWith("train.lr"));
        Assert.Contains(e.Problems, p => p.StartsWith("train.epochs 0"));
        foreach (var p in e.Problems) Assert.Contains(p, e.Message);
        Assert.Equal(ExitCodes.BadConfig, e.ExitCode);
    }

    [Fact]
    public void EveryFieldHasItsOwnCheck()
    {
        var bad = new ModelConfig
        {
            // A switch can only be wrong as an undefined enum value (what a bad name in a file reads as).
            Task = (TaskKind)99, DModel = 5000, Expand = 9, DState = 0, NLayers = 65, DConv = 17, DtRank = "0", Head = (Head)99,
            Norm = (Norm)99, RangeInit = (RangeInit)99, DeltaAct = (DeltaAct)99, Silu = (Impl)99, Exp = (Impl)99, Patch = 0, NumOutputs = 0,
            Arch = (Arch)99, Heads = 0, MlpRatio = 17,
        };
        var problems = bad.Problems();
        foreach (var field in new[] { "task", "arch", "d_model", "expand", "d_state", "n_layers", "d_conv", "dt_rank", "head", "norm", "range_init", "delta_act", "silu", "exp", "patch", "num_outputs", "heads", "mlp_ratio" })
            Assert.Contains(problems, p => p.StartsWith(field + " "));
        var train = new TrainConfig { Epochs = 0, BatchSize = 0, Lr = double.NaN, MinLrRatio = 2, WeightDecay = -1, WarmupSteps = -1, GradClip = -1, ValFraction = 1 };
        Assert.Equal(8, train.Problems().Count);
        Assert.Empty(new TrainConfig { GradClip = 0, ValFraction = 0, WarmupSteps = 0, MinLrRatio = 1 }.Problems());
    }

    [Fact]
    public void ArchitecturesMatchTheirHeads()
    {
        Assert.Empty(new ModelConfig { Arch = Arch.Cnn }.Problems());
        Assert.Empty(new ModelConfig { Arch = Arch.Vit, DModel = 64, Heads = 4 }.Problems());
        Assert.Empty(new ModelConfig { Arch = Arch.Transformer, Head = Head.Lm, Task = TaskKind.Wikitext2 }.Problems());
        Assert.Contains(new ModelConfig { Arch = Arch.Transformer }.Problems(), p => p.StartsWith("arch 'transformer'"));
        Assert.Contains(new ModelConfig { Arch = Arch.Vit, Head = Head.Lm }.Problems(), p => p.StartsWith("arch 'vit'"));
        Assert.Contains(new ModelConfig { Arch = Arch.Vit, DModel = 30, Heads = 4 }.Problems(), p => p.StartsWith("heads 4 must divide"));
        Assert.Contains(new ModelConfig { Arch = Arch.Transformer, Head = Head.Lm, EmbedDim = 16 }.Problems(), p => p.StartsWith("embed_dim applies"));
        // A Mamba model ignores heads, so an odd width is fine.
        Assert.Empty(new ModelConfig { DModel = 30, Heads = 4 }.Problems());
    }

    [Fact]
    public void LanguageModelHeadSkipsImageGeometry()
    {
        var lm = new ModelConfig { Task = TaskKind.Wikitext2, Head = Head.Lm, Patch = 5, Height = 0 };
        Assert.Empty(lm.Problems());
        Assert.Equal(0, lm.Tokens);
        Assert.Contains(new ModelConfig { Head = Head.Lm, Vocab = -1 }.Problems(), p => p.StartsWith("vocab"));
        var img = new ModelConfig();
        Assert.Equal(49, img.Tokens);
        Assert.Equal(16, img.PatchDim);
        Assert.Equal(64, img.DInner);
    }

    [Fact]
    public void MalformedJsonAndMissingFileAreConfigErrors()
    {
        Assert.Throws<ConfigException>(() => RunConfig.Parse("{ \"model\": ", "c.json"));
        Assert.Throws<ConfigException>(() => RunConfig.Parse("{ \"model\": { \"d_model\": \"big\" } }", "c.json"));
        Assert.Throws<ConfigException>(() => RunConfig.Parse("{ \"model\": { \"d_model\": 1.5 } }", "c.json"));
        Assert.Contains("null", Assert.Throws<ConfigException>(() => RunConfig.Parse("null", "c.json")).Message);
        var e = Assert.Throws<ConfigException>(() => RunConfig.Parse("{\n  \"model\": {\n    \"d_model\": [1]\n  }\n}", "c.json"));
        Assert.Contains("line 3", e.Message);
        Assert.Equal(ExitCodes.BadConfig, Assert.Throws<EMambaException>(() => RunConfig.Load("/nonexistent/c.json")).ExitCode);
        // Comments and trailing commas are allowed, as in the shipped files.
        Assert.Equal(48, RunConfig.Parse("{ // c\n \"model\": { \"d_model\": 48, }, }", "c.json").Model.DModel);
    }

    [Theory]
    [InlineData(20, 2)]
    [InlineData(32, 2)]
    [InlineData(64, 4)]
    [InlineData(16, 1)]
    [InlineData(17, 2)]
    [InlineData(1, 1)]
    [InlineData(4096, 256)]
    public void AutoDtRankIsCeilDOver16(int d, int rank) =>
        Assert.Equal(rank, new ModelConfig { DModel = d }.DtRankValue);

    [Fact]
    public void ExplicitDtRankIsUsedAsGiven()
    {
        Assert.Equal(5, new ModelConfig { DModel = 64, DtRank = "5" }.DtRankValue);
        Assert.Equal(5, RunConfig.Parse("""{ "model": { "dt_rank": "5" } }""", "c.json").Model.DtRankValue);
        Gen.Int[1, 4096].Sample(d => Assert.Equal((int)Math.Ceiling(d / 16.0), new ModelConfig { DModel = d }.DtRankValue));
    }
}
