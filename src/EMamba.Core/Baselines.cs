namespace EMamba.Core;

/// <summary>The baseline presets: a CNN and a ViT in two sizes per vision/radar task, trained with
/// the same data pipeline, optimiser and epoch budget as that task's Mamba preset (its geometry and
/// train settings are taken from it), so accuracy vs parameters can be compared point for point;
/// and a Transformer LM on the budget of wikitext2-small. Names: &lt;task&gt;-&lt;arch&gt;-&lt;s|m&gt;.</summary>
public static class Baselines
{
    /// <param name="mamba">the Mamba presets the baselines take their geometry and budget from</param>
    public static Dictionary<string, RunConfig> For(IReadOnlyDictionary<string, RunConfig> mamba)
    {
        var d = new Dictionary<string, RunConfig>();
        foreach (var (task, reference, small) in new[] { ("fmnist", "fmnist-base", false), ("cifar10", "cifar10-base", false), ("mars", "mars-paper", true) })
        {
            var r = mamba[reference];
            var m = r.Model;
            // Input geometry and head only: the Mamba sizes (E, N, ...) mean nothing to a baseline.
            var geo = new ModelConfig
            {
                Task = m.Task, InChannels = m.InChannels, Height = m.Height, Width = m.Width, Patch = m.Patch,
                Head = m.Head, NumOutputs = m.NumOutputs,
            };
            // CNN: stages of two conv3x3-BN-ReLU, the first with d_model channels, doubling per stage.
            d[$"{task}-cnn-s"] = new() { Model = geo with { Arch = Arch.Cnn, DModel = 8, NLayers = 2 }, Train = r.Train };
            d[$"{task}-cnn-m"] = new() { Model = geo with { Arch = Arch.Cnn, DModel = 16, NLayers = small ? 2 : 3 }, Train = r.Train };
            // ViT: pre-norm attention + MLP blocks over the same patches as the Mamba model.
            d[$"{task}-vit-s"] = new() { Model = geo with { Arch = Arch.Vit, DModel = small ? 16 : 32, NLayers = 2, Heads = small ? 2 : 4, MlpRatio = 2 }, Train = r.Train };
            d[$"{task}-vit-m"] = new() { Model = geo with { Arch = Arch.Vit, DModel = small ? 32 : 64, NLayers = 4, Heads = 4, MlpRatio = 2 }, Train = r.Train };
        }
        d["wikitext2-transformer"] = new()
        {
            Model = new ModelConfig { Task = TaskKind.Wikitext2, Head = Head.Lm, Arch = Arch.Transformer, DModel = 64, NLayers = 4, Heads = 4, MlpRatio = 4 },
            Train = mamba["wikitext2-small"].Train,
        };
        return d;
    }
}
