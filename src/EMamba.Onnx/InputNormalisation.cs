using EMamba.Core;
using EMamba.Data;

namespace EMamba.Onnx;

/// <summary>The input normalisation as graph nodes, in the same float32 operations and order as the host
/// (<see cref="EMamba.Engine.Samples.Normalised"/>): pixels x (1 / (255 std)) - mean / std, radar features
/// (x - mean) (1 / std), each constant rounded to float32 as the host rounds it. So a QDQ graph's first
/// QuantizeLinear sees the very values the integer engine's host quantizes.</summary>
public static class InputNormalisation
{
    public static string Add(GraphBuilder g, string input, ModelConfig c, Normalizer norm)
    {
        int ch = c.InChannels;
        if (FloatExport.InputKindOf(c) == FloatExport.InputKind.Pixels)
        {
            var scale = new float[ch]; var shift = new float[ch];
            for (int i = 0; i < ch; i++) { scale[i] = 1f / (255f * norm.Std[i]); shift[i] = norm.Mean[i] / norm.Std[i]; }
            return g.Sub(g.Mul(input, g.Floats("norm.scale", [1, ch, 1, 1], scale), "scaled"), g.Floats("norm.shift", [1, ch, 1, 1], shift), "normalised");
        }
        var mean = new float[ch]; var inv = new float[ch];
        for (int i = 0; i < ch; i++) { mean[i] = norm.Mean[i]; inv[i] = 1f / norm.Std[i]; }
        return g.Mul(g.Sub(input, g.Floats("norm.mean", [1, ch, 1, 1], mean), "centred"), g.Floats("norm.inv_std", [1, ch, 1, 1], inv), "normalised");
    }
}
