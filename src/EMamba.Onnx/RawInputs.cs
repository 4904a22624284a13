using EMamba.Data;

namespace EMamba.Onnx;

/// <summary>What an exported float graph takes: samples as stored, before normalisation (pixels 0..255
/// as float32, radar features in their own units), (C, H, W) per sample, row-major over a batch.</summary>
public static class RawInputs
{
    /// <summary>Samples [first, first + count) of <paramref name="ds"/> into <paramref name="dst"/>.</summary>
    public static void Copy(IDataset ds, int first, int count, Span<float> dst)
    {
        switch (ds)
        {
            case ImageDataset im:
            {
                var src = im.Pixels.AsSpan((int)((long)first * im.SampleSize), count * im.SampleSize);
                for (int i = 0; i < src.Length; i++) dst[i] = src[i];
                break;
            }
            case FloatDataset f:
                f.Features.AsSpan((int)((long)first * f.SampleSize), count * f.SampleSize).CopyTo(dst);
                break;
            default: throw new ArgumentException($"unknown data set type {ds.GetType().Name}");
        }
    }
}
