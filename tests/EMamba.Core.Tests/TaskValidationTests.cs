using EMamba.Core;

namespace EMamba.Core.Tests;

/// <summary>Config values that once passed validation and then crashed in libtorch (native stack trace,
/// exit 1): outputs that do not match the data set's classes or label width, an unbounded grad_clip,
/// a model of about 28 G parameters.</summary>
public sealed class TaskValidationTests
{
    private static ConfigException Rejected(string json)
    {
        var e = Assert.Throws<ConfigException>(() => RunConfig.Parse(json, "c.json"));
        Assert.Equal(ExitCodes.BadConfig, e.ExitCode);
        return e;
    }

    [Theory]
    [InlineData(TaskKind.Fmnist, 5, "num_outputs 5 must equal the number of classes of task 'fmnist': 10")]       // "Target 7 is out of bounds"
    [InlineData(TaskKind.Fmnist, 2147483647, "num_outputs 2147483647 must equal the number of classes of task 'fmnist': 10")] // 275 GB allocation
    [InlineData(TaskKind.Cifar10, 100, "num_outputs 100 must equal the number of classes of task 'cifar10': 10")]
    public void NumOutputsMustEqualTheClassCount(TaskKind task, int outputs, string problem)
    {
        var t = TaskInfo.All[task];
        string json = $$"""{ "model": { "task": "{{task.Name()}}", "in_channels": {{t.InChannels}}, "height": {{t.Height}}, "width": {{t.Width}}, "num_outputs": {{outputs}} } }""";
        Assert.Contains("model." + problem, Rejected(json).Problems);
    }

    [Fact]
    public void MarsNeedsItsLabelWidthAndTheRegressionHead()
    {
        var mars = Presets.All["mars-paper"].Model;
        Assert.Contains("num_outputs 56 must equal the label width of task 'mars': 57", (mars with { NumOutputs = 56 }).Problems());
        Assert.Contains("head 'classify' does not fit task 'mars', which needs head 'regress'", (mars with { Head = Head.Classify }).Problems());
        Assert.Contains("head 'regress' does not fit task 'fmnist', which needs head 'classify'", new ModelConfig { Head = Head.Regress }.Problems());
        Assert.Contains(new ModelConfig { Task = TaskKind.Wikitext2 }.Problems(), p => p.StartsWith("head 'classify' does not fit task 'wikitext2'"));
    }

    [Theory]
    [InlineData(TaskKind.Fmnist, 3, 28, 28, "3x28x28 does not match task 'fmnist', whose samples are 1x28x28")]
    [InlineData(TaskKind.Fmnist, 1, 32, 32, "1x32x32 does not match task 'fmnist', whose samples are 1x28x28")]
    [InlineData(TaskKind.Cifar10, 1, 28, 28, "1x28x28 does not match task 'cifar10', whose samples are 3x32x32")]
    [InlineData(TaskKind.Mars, 5, 16, 16, "5x16x16 does not match task 'mars', whose samples are 5x8x8")]
    public void InputGeometryMustMatchTheTaskData(TaskKind task, int c, int h, int w, string problem)
    {
        var cfg = new ModelConfig { Task = task, InChannels = c, Height = h, Width = w, Patch = 2, Head = TaskInfo.All[task].Head, NumOutputs = TaskInfo.All[task].Outputs };
        Assert.Contains("input geometry " + problem, cfg.Problems());
    }

    [Fact]
    public void EveryPresetAndShippedFileFitsItsTask()
    {
        foreach (var (name, cfg) in Presets.All)
        {
            Assert.Empty(cfg.Model.TaskProblems());
            var t = TaskInfo.All[cfg.Model.Task];
            Assert.Equal(t.Head, cfg.Model.Head);
            if (t.Head != Head.Lm) Assert.Equal((t.InChannels, t.Height, t.Width, t.Outputs), (cfg.Model.InChannels, cfg.Model.Height, cfg.Model.Width, cfg.Model.NumOutputs));
        }
        Assert.Equal(Enum.GetValues<TaskKind>(), TaskInfo.All.Keys.Order());
        string dir = Path.Combine(AppContext.BaseDirectory, "../../../../../configs/checks");
        foreach (var f in Directory.GetFiles(dir, "*.json")) RunConfig.Load(f);
    }

    [Theory]
    [InlineData("\"Infinity\"")]
    [InlineData("1e308")]
    [InlineData("\"NaN\"")]
    [InlineData("\"-Infinity\"")]
    [InlineData("1000001")]
    public void GradClipIsBoundedToAFiniteRange(string value)
    {
        var e = Rejected($$"""{ "train": { "grad_clip": {{value}} } }""");
        Assert.Contains(e.Problems, p => p.StartsWith("train.grad_clip") && p.Contains("must be in [0, 1e6]"));
        Assert.Empty(new TrainConfig { GradClip = TrainConfig.MaxGradClip }.Problems());
    }

    [Theory]
    [InlineData("lr")]
    [InlineData("min_lr_ratio")]
    [InlineData("weight_decay")]
    [InlineData("grad_clip")]
    [InlineData("val_fraction")]
    public void EveryDoubleOfTheTrainConfigMustBeFinite(string key)
    {
        foreach (var v in new[] { "\"NaN\"", "\"Infinity\"", "\"-Infinity\"", "1e308" })
            Assert.Contains(Rejected($$"""{ "train": { "{{key}}": {{v}} } }""").Problems, p => p.StartsWith("train." + key));
        // Every double property of TrainConfig is in this list.
        var doubles = typeof(TrainConfig).GetProperties().Where(p => p.PropertyType == typeof(double)).Select(p => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name));
        Assert.Contains(key, doubles);
        Assert.Equal(5, doubles.Count());
    }

    [Fact]
    public void AModelAboveTheParameterLimitIsRejectedWithItsSize()
    {
        // d_model 4096, expand 8, 64 layers: about 28 G parameters, which once went on to libtorch.
        var huge = new ModelConfig { DModel = 4096, Expand = 8, NLayers = 64 };
        Assert.InRange(huge.ParameterCount(), 26_000_000_000, 29_000_000_000);   // 26.9 G
        var e = Rejected("""{ "model": { "d_model": 4096, "expand": 8, "n_layers": 64 } }""");
        var p = Assert.Single(e.Problems);
        Assert.StartsWith("model.size ", p);
        Assert.Contains(huge.ParameterCount().ToString("N0", System.Globalization.CultureInfo.InvariantCulture) + " parameters", p);
        Assert.Contains("100,000,000", p);
        // A language model's vocabulary counts too.
        Assert.Contains(new ModelConfig { Task = TaskKind.Wikitext2, Head = Head.Lm, Vocab = 2_000_000, DModel = 64 }.Problems(), s => s.StartsWith("size ") && s.Contains("vocab 2000000"));
        Assert.Empty(new ModelConfig { Task = TaskKind.Wikitext2, Head = Head.Lm, Vocab = 30_000, DModel = 64 }.Problems());
        Assert.All(Presets.All.Values, c => Assert.InRange(c.Model.ParameterCount(), 1, ModelConfig.MaxParameters));
    }
}
