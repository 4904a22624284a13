using EMamba.Core;
using EMamba.Training.Modules;
using static TorchSharp.torch;

namespace EMamba.Training.Tests;

public sealed class ModelTests
{
    [Fact]
    public void PresetParameterCountsMatchTheIssueBudget()
    {
        // fmnist-small "about 20 K", fmnist-base "about 130 K"
        Assert.InRange(new MambaModel(Presets.All["fmnist-small"].Model).ParameterCount(), 18_000, 22_000);
        Assert.InRange(new MambaModel(Presets.All["fmnist-base"].Model).ParameterCount(), 125_000, 140_000);
    }

    [Fact]
    public void RegressionHeadGivesOneOutputPerTarget()
    {
        var cfg = new ModelConfig { Task = "mars", InChannels = 5, Height = 8, Width = 8, Patch = 2, DModel = 20, DState = 8, NLayers = 2, Head = "regress", NumOutputs = 57 };
        var m = new MambaModel(cfg);
        Assert.Equal([3L, 57L], m.forward(randn(3, 5, 8, 8)).shape);
    }

    [Fact]
    public void LanguageModelTiesItsOutputToTheEmbedding()
    {
        var cfg = new ModelConfig { Task = "wikitext2", Head = "lm", Vocab = 50, DModel = 16, DState = 4, NLayers = 1 };
        var lm = new MambaLM(cfg);
        var logits = lm.forward(randint(0, 50, [2, 7]));
        Assert.Equal([2L, 7L, 50L], logits.shape);
        Assert.Equal(50 * 16, lm.ParameterCount() - lm.NonEmbeddingParameterCount());
        Assert.DoesNotContain(lm.named_parameters(), p => p.name.Contains("head"));
        Assert.Throws<EMambaException>(() => new MambaLM(cfg with { Vocab = 0 }));
    }

    [Fact]
    public void PiecewiseLinearVariantsAreRefusedClearlyUntilAvailable()
    {
        var e = Assert.Throws<EMambaException>(() => new MambaModel(Presets.All["fmnist-small"].Model with { Silu = "pwl" }));
        Assert.Equal(ExitCodes.BadConfig, e.ExitCode);
    }
}
