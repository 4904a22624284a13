using EMamba.Core;
using EMamba.Training.Checkpoints;
using EMamba.Training.Scan;
using EMamba.Core.Checkpoints;

namespace EMamba.Training.Tests;

/// <summary>ModelConfig.ParameterCount (the size check that runs before anything is built) is the
/// built model's count exactly, for every preset and for the variants the presets do not cover.</summary>
[Collection("torch")]
public sealed class ParameterCountTests
{
    private static long Built(ModelConfig cfg)
    {
        var m = ModelLoader.Create(cfg);
        // PWL knots and values are sized by the approximation table, not the config.
        return m.named_parameters().Where(np => !np.name.StartsWith(TensorNames.Parts.PwlPrefix)).Sum(np => np.parameter.numel());
    }

    public static TheoryData<string> PresetNames => [.. Presets.All.Keys];

    [Theory]
    [MemberData(nameof(PresetNames))]
    public void TheFormulaEqualsTheBuiltModelForEveryPreset(string name)
    {
        var cfg = Presets.All[name].Model;
        if (cfg.Head == Head.Lm) cfg = cfg with { Vocab = 1234 };              // set from the data when training
        Assert.Equal(Built(cfg), cfg.ParameterCount());
        Assert.Equal(ModelLoader.ParameterCount(ModelLoader.Create(cfg)), cfg.ParameterCount());
    }

    [Fact]
    public void TheFormulaEqualsTheBuiltModelForOtherVariants()
    {
        var mamba = Presets.All["cifar10-small"].Model;
        var lm = Presets.All["wikitext2-demo"].Model with { Vocab = 321 };
        foreach (var cfg in new[]
        {
            mamba with { Norm = Norm.Layer }, mamba with { Norm = Norm.Range, RangeInit = RangeInit.Matched }, mamba with { DtRank = "5", DConv = 3 },
            mamba with { Silu = Impl.Pwl, Exp = Impl.Pwl, DeltaAct = DeltaAct.Relu, ConvSilu = false }, mamba with { Patch = 2, Expand = 3, DState = 5 },
            lm with { EmbedDim = 0 }, lm with { EmbedDim = lm.DModel }, lm with { Norm = Norm.Range }, lm with { Silu = Impl.Pwl },
            Presets.All["mars-cnn-m"].Model with { NLayers = 4 }, Presets.All["fmnist-vit-s"].Model with { MlpRatio = 3, Patch = 7 },
            Presets.All["wikitext2-transformer"].Model with { Vocab = 77, MlpRatio = 1 },
        })
            Assert.Equal(Built(cfg), cfg.ParameterCount());
    }
}
