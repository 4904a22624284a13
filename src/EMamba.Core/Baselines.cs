namespace EMamba.Core;

/// <summary>The baseline presets: a CNN and a ViT in two sizes per vision/radar task, trained with
/// the same data pipeline, optimiser and epoch budget as that task's Mamba preset, so accuracy vs
/// parameters can be compared point for point; and a Transformer LM for WikiText-2.
/// Names: &lt;task&gt;-&lt;arch&gt;-&lt;s|m&gt;.</summary>
public static class Baselines
{
    public static readonly IReadOnlyDictionary<string, RunConfig> All = Build();

    private static Dictionary<string, RunConfig> Build()
    {
        var d = new Dictionary<string, RunConfig>();
        var fm = new ModelConfig { Task = "fmnist", Patch = 4 };
        var fmTrain = new TrainConfig { Epochs = 15, BatchSize = 128, Lr = 2e-3, WarmupSteps = 400 };
        var cf = new ModelConfig { Task = "cifar10", InChannels = 3, Height = 32, Width = 32, Patch = 4 };
        var cfTrain = new TrainConfig { Epochs = 60, BatchSize = 128, Lr = 2e-3, WarmupSteps = 400, Augment = true };
        var mars = new ModelConfig { Task = "mars", InChannels = 5, Height = 8, Width = 8, Patch = 2, Head = "regress", NumOutputs = 57 };
        var marsTrain = new TrainConfig { Epochs = 100, BatchSize = 128, Lr = 3e-3, WarmupSteps = 200 };
        foreach (var (name, geo, train, small) in new[] { ("fmnist", fm, fmTrain, false), ("cifar10", cf, cfTrain, false), ("mars", mars, marsTrain, true) })
        {
            // CNN: stages of two conv3x3-BN-ReLU, the first with d_model channels, doubling per stage.
            d[$"{name}-cnn-s"] = new() { Model = geo with { Arch = "cnn", DModel = 8, NLayers = 2 }, Train = train };
            d[$"{name}-cnn-m"] = new() { Model = geo with { Arch = "cnn", DModel = 16, NLayers = small ? 2 : 3 }, Train = train };
            // ViT: pre-norm attention + MLP blocks over the same patches as the Mamba model.
            d[$"{name}-vit-s"] = new() { Model = geo with { Arch = "vit", DModel = small ? 16 : 32, NLayers = 2, Heads = small ? 2 : 4, MlpRatio = 2 }, Train = train };
            d[$"{name}-vit-m"] = new() { Model = geo with { Arch = "vit", DModel = small ? 32 : 64, NLayers = 4, Heads = 4, MlpRatio = 2 }, Train = train };
        }
        d["wikitext2-transformer"] = new()
        {
            Model = new ModelConfig { Task = "wikitext2", Head = "lm", Arch = "transformer", DModel = 64, NLayers = 4, Heads = 4, MlpRatio = 4 },
            Train = new TrainConfig { Epochs = 15, BatchSize = 32, SeqLen = 128, Lr = 2e-3, WarmupSteps = 50, WeightDecay = 0.1 },
        };
        return d;
    }
}
