using EMamba.Core.Integer;
using EMamba.Data;

namespace EMamba.Engine;

/// <summary>The host side of the integer engine's input (doc §1, "input quantization"): a sample
/// normalised exactly as training does it, then rounded half to even to codes of the input domain and
/// saturated. This is the one float step before the engine; everything after it is integer.</summary>
public static class Samples
{
    /// <summary>Sample i of a vision / radar data set, normalised: images (x/255 - mean[c]) / std[c],
    /// radar (x - mean[c]) / std[c], in the float32 arithmetic training uses (C, H, W).</summary>
    public static double[] Normalised(IDataset ds, int i, Normalizer norm)
    {
        switch (ds)
        {
            case ImageDataset im:
            {
                int plane = im.Height * im.Width, size = im.SampleSize;
                var x = new double[size];
                for (int c = 0; c < im.Channels; c++)
                {
                    float scale = 1f / (255f * norm.Std[c]), shift = norm.Mean[c] / norm.Std[c];
                    for (int k = 0; k < plane; k++) x[c * plane + k] = im.Pixels[(long)i * size + c * plane + k] * scale - shift;
                }
                return x;
            }
            case FloatDataset f:
            {
                int plane = f.Height * f.Width, size = f.Channels * plane;
                var x = new double[size];
                for (int c = 0; c < f.Channels; c++)
                {
                    float inv = 1f / norm.Std[c], m = norm.Mean[c];
                    for (int k = 0; k < plane; k++) x[c * plane + k] = (f.Features[(long)i * size + c * plane + k] - m) * inv;
                }
                return x;
            }
            default: throw new ArgumentException($"unknown data set type {ds.GetType().Name}");
        }
    }

    /// <summary>Codes of a normalised sample: round half to even (x 2^frac), saturated to the domain.</summary>
    public static long[] Codes(ReadOnlySpan<double> x, Domain d)
    {
        var q = new long[x.Length];
        double s = Math.ScaleB(1.0, d.Frac);
        for (int i = 0; i < x.Length; i++) q[i] = d.Clamp((long)Math.Clamp(Math.Round(x[i] * s, MidpointRounding.ToEven), -9e15, 9e15));
        return q;
    }

    /// <summary>A head output code as a real number (code x 2^-frac), for metrics.</summary>
    public static double Real(long code, Domain d) => Math.ScaleB((double)code, -d.Frac);
}
