using EMamba.Data;
using static TorchSharp.torch;

namespace EMamba.Training.Data;

/// <summary>Model inputs and targets for samples of any supported data set.</summary>
public static class Batches
{
    // -> (B, C, H, W) float32, normalized; augment (images only) draws crops and flips from the given Random.
    public static Tensor Inputs(IDataset ds, ReadOnlySpan<int> idx, Normalizer norm, Random? augment = null) => ds switch
    {
        ImageDataset im => ImageBatches.Images(im, idx, norm, augment),
        _ => throw Unsupported(ds),
    };

    // -> (B) int64 class indices, or (B, K) float32 regression targets
    public static Tensor Targets(IDataset ds, ReadOnlySpan<int> idx) => ds switch
    {
        ImageDataset im => ImageBatches.Labels(im, idx),
        _ => throw Unsupported(ds),
    };

    private static ArgumentException Unsupported(IDataset ds) => new($"no batcher for data set type {ds.GetType().Name} ({ds.Source})");
}
