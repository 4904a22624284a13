using EMamba.Data;
using static TorchSharp.torch;

namespace EMamba.Training.Data;

/// <summary>Turns samples of an <see cref="ImageDataset"/> into normalized float tensors.</summary>
public static class ImageBatches
{
    // -> (B, C, H, W) float32, (x/255 - mean[c]) / std[c]
    public static Tensor Images(ImageDataset ds, ReadOnlySpan<int> idx, Normalizer norm)
    {
        int c = ds.Channels, plane = ds.Height * ds.Width, sample = c * plane;
        var buf = new float[idx.Length * sample];
        for (int i = 0; i < idx.Length; i++)
        {
            var src = ds.Pixels.AsSpan(idx[i] * sample, sample);
            var dst = buf.AsSpan(i * sample, sample);
            for (int ch = 0; ch < c; ch++)
            {
                float scale = 1f / (255f * norm.Std[ch]), shift = norm.Mean[ch] / norm.Std[ch];
                var s = src.Slice(ch * plane, plane);
                var d = dst.Slice(ch * plane, plane);
                for (int k = 0; k < plane; k++) d[k] = s[k] * scale - shift;
            }
        }
        return tensor(buf, [idx.Length, c, ds.Height, ds.Width]);
    }

    // -> (B) int64 class indices
    public static Tensor Labels(ImageDataset ds, ReadOnlySpan<int> idx)
    {
        var buf = new long[idx.Length];
        for (int i = 0; i < idx.Length; i++) buf[i] = ds.Labels[idx[i]];
        return tensor(buf, [idx.Length]);
    }
}
