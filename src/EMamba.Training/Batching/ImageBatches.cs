using EMamba.Data;
using static TorchSharp.torch;
using EMamba.Training.Scan;
using EMamba.Training.Train;

namespace EMamba.Training.Batching;

/// <summary>Turns samples of an <see cref="ImageDataset"/> into normalized float tensors.</summary>
public static class ImageBatches
{
    /// <summary>Padding of the random crop: the crop window moves up to this many pixels each way.</summary>
    public const int CropPad = 4;

    // -> (B, C, H, W) float32, (x/255 - mean[c]) / std[c]. With augment: each sample is cropped from
    // its image zero-padded by CropPad pixels (pixels outside read as 0 before normalization, as
    // torchvision's RandomCrop(padding=4) does), then flipped left-right with probability 1/2.
    public static Tensor Images(ImageDataset ds, ReadOnlySpan<int> idx, Normalizer norm, Random? augment = null)
    {
        int c = ds.Channels, h = ds.Height, w = ds.Width, plane = h * w, sample = c * plane;
        var buf = new float[idx.Length * sample];
        for (int i = 0; i < idx.Length; i++)
        {
            var src = ds.Pixels.AsSpan(idx[i] * sample, sample);
            var dst = buf.AsSpan(i * sample, sample);
            // Offsets of the crop window relative to the image, and the flip, drawn in a fixed order
            // so a seeded Random gives the same batch on every machine.
            int dy = 0, dx = 0;
            bool flip = false;
            if (augment != null)
            {
                dy = augment.Next(-CropPad, CropPad + 1);
                dx = augment.Next(-CropPad, CropPad + 1);
                flip = augment.Next(2) == 1;
            }
            for (int ch = 0; ch < c; ch++)
            {
                float scale = 1f / (255f * norm.Std[ch]), shift = norm.Mean[ch] / norm.Std[ch];
                var s = src.Slice(ch * plane, plane);
                var d = dst.Slice(ch * plane, plane);
                if (augment == null)
                {
                    for (int k = 0; k < plane; k++) d[k] = s[k] * scale - shift;
                    continue;
                }
                for (int y = 0; y < h; y++)
                {
                    int sy = y + dy;
                    for (int x = 0; x < w; x++)
                    {
                        int sx = (flip ? w - 1 - x : x) + dx;
                        byte v = (uint)sy < (uint)h && (uint)sx < (uint)w ? s[sy * w + sx] : (byte)0;
                        d[y * w + x] = v * scale - shift;
                    }
                }
            }
        }
        return tensor(buf, [idx.Length, c, h, w]);
    }

    // -> (B) int64 class indices
    public static Tensor Labels(ImageDataset ds, ReadOnlySpan<int> idx)
    {
        var buf = new long[idx.Length];
        for (int i = 0; i < idx.Length; i++) buf[i] = ds.Labels[idx[i]];
        return tensor(buf, [idx.Length]);
    }
}
