using EMamba.Core;
using EMamba.Core.Approx;
using EMamba.Training.Modules;
using static TorchSharp.torch;
using EMamba.Training.Scan;
using EMamba.Core.Checkpoints;

namespace EMamba.Training.Tests;

// Shares the torch collection: it touches torch's global RNG or thread count, which the exact-resume tests need left alone.
[Collection("torch")]
public sealed class ModelTests
{
    [Fact]
    public void PresetParameterCountsMatchTheIssueBudget()
    {
        // fmnist-small "about 20 K", fmnist-base and cifar10-base "about 130 K"
        Assert.InRange(new MambaModel(Presets.All["fmnist-small"].Model).ParameterCount(), 18_000, 22_000);
        Assert.InRange(new MambaModel(Presets.All["fmnist-base"].Model).ParameterCount(), 125_000, 140_000);
        Assert.InRange(new MambaModel(Presets.All["cifar10-base"].Model).ParameterCount(), 125_000, 145_000);
    }

    [Fact]
    public void RegressionHeadGivesOneOutputPerTarget()
    {
        var cfg = new ModelConfig { Task = TaskKind.Mars, InChannels = 5, Height = 8, Width = 8, Patch = 2, DModel = 20, DState = 8, NLayers = 2, Head = Head.Regress, NumOutputs = 57 };
        var m = new MambaModel(cfg);
        Assert.Equal([3L, 57L], m.forward(randn(3, 5, 8, 8)).shape);
    }

    [Fact]
    public void LanguageModelTiesItsOutputToTheEmbedding()
    {
        var cfg = new ModelConfig { Task = TaskKind.Wikitext2, Head = Head.Lm, Vocab = 50, DModel = 16, DState = 4, NLayers = 1 };
        var lm = new MambaLM(cfg);
        var logits = lm.forward(randint(0, 50, [2, 7]));
        Assert.Equal([2L, 7L, 50L], logits.shape);
        Assert.Equal(50 * 16, lm.ParameterCount() - lm.NonEmbeddingParameterCount());
        Assert.DoesNotContain(lm.named_parameters(), p => p.name.StartsWith(TensorNames.Parts.Head + "."));
        Assert.Throws<EMambaException>(() => new MambaLM(cfg with { Vocab = 0 }));
    }

    [Fact]
    public void FinePiecewiseLinearTablesReproduceTheExactModel()
    {
        // With 4096 segments over a range wider than the activations, PWL SiLU and exp agree with the
        // exact functions to ~1e-5, so the model output must too; the paper's 17/11-segment tables must
        // differ (the swap is really applied), and the PWL units appear once in the parameters.
        var cfg = Presets.All["fmnist-small"].Model;
        manual_seed(5);
        var exact = new MambaModel(cfg);
        var fine = new Dictionary<PwlFunction, PwlTable>
        {
            [PwlFunction.Silu] = PwlTable.Uniform(PwlFunction.Silu, 4096, -30, 30),
            [PwlFunction.Exp] = PwlTable.Uniform(PwlFunction.Exp, 4096, -40, 1),
        };
        var pwlCfg = cfg with { Silu = Impl.Pwl, Exp = Impl.Pwl };
        var approx = new MambaModel(pwlCfg, fine);
        var coarse = new MambaModel(pwlCfg);
        foreach (var m in new[] { approx, coarse })
            using (no_grad())
                foreach (var (name, p) in exact.named_parameters()) m.get_parameter(name)!.copy_(p);
        Assert.Equal(exact.ParameterCount() + 2 * 4097 * 2, approx.ParameterCount());
        Assert.Single(approx.named_parameters(), p => p.name == TensorNames.Pwl(PwlFunction.Silu).Knots);
        var x = randn(4, 1, 28, 28);
        var y = exact.forward(x);
        Assert.True((approx.forward(x) - y).abs().max().item<float>() < 1e-3);
        Assert.True((coarse.forward(x) - y).abs().max().item<float>() > 1e-3);
    }
}
