using EMamba.Data;
using static TorchSharp.torch;
using EMamba.Training.Scan;
using EMamba.Training.Train;

namespace EMamba.Training.Batching;

/// <summary>Model inputs and targets for samples of any supported data set.</summary>
public static class Batches
{
    // -> (B, C, H, W) float32, normalized; augment (images only) draws crops and flips from the given Random.
    public static Tensor Inputs(IDataset ds, ReadOnlySpan<int> idx, Normalizer norm, Random? augment = null) => ds switch
    {
        ImageDataset im => ImageBatches.Images(im, idx, norm, augment),
        FloatDataset f => Features(f, idx, norm),
        _ => throw Unsupported(ds),
    };

    // -> (B) int64 class indices, or (B, K) float32 regression targets
    public static Tensor Targets(IDataset ds, ReadOnlySpan<int> idx) => ds switch
    {
        ImageDataset im => ImageBatches.Labels(im, idx),
        FloatDataset f => Values(f, idx),
        _ => throw Unsupported(ds),
    };

    // -> (B, C, H, W) float32, (x - mean[c]) / std[c] in the data's own units
    private static Tensor Features(FloatDataset ds, ReadOnlySpan<int> idx, Normalizer norm)
    {
        int c = ds.Channels, plane = ds.Height * ds.Width, sample = c * plane;
        var buf = new float[idx.Length * sample];
        for (int i = 0; i < idx.Length; i++)
            for (int ch = 0; ch < c; ch++)
            {
                float inv = 1f / norm.Std[ch], m = norm.Mean[ch];
                var s = ds.Features.AsSpan(idx[i] * sample + ch * plane, plane);
                var d = buf.AsSpan(i * sample + ch * plane, plane);
                for (int k = 0; k < plane; k++) d[k] = (s[k] - m) * inv;
            }
        return tensor(buf, [idx.Length, c, ds.Height, ds.Width]);
    }

    // -> (B, Dims) float32 targets as stored (metres for MARS)
    private static Tensor Values(FloatDataset ds, ReadOnlySpan<int> idx)
    {
        var buf = new float[idx.Length * ds.Dims];
        for (int i = 0; i < idx.Length; i++)
            ds.Targets.AsSpan(idx[i] * ds.Dims, ds.Dims).CopyTo(buf.AsSpan(i * ds.Dims));
        return tensor(buf, [idx.Length, ds.Dims]);
    }

    private static ArgumentException Unsupported(IDataset ds) => new($"no batcher for data set type {ds.GetType().Name} ({ds.Source})");
}
