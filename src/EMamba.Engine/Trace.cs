using EMamba.Core.Integer;
using EMamba.Engine.Quantize;

namespace EMamba.Engine;

/// <summary>Every intermediate tensor of one forward pass, in pipeline order (docs/integer.md §1, §3):
/// the input codes, then per token x0 and each block's boundaries and norm_f, then pooled and out.
/// Built on <see cref="Reference"/>'s <see cref="ITap"/>, so it is the reference by construction; with
/// the float twin (<see cref="FloatModel"/>, which taps the same names) each entry also carries the
/// float values, and the first entry whose error jumps is the first mismatching operation.</summary>
public static class Trace
{
    /// <summary>One tensor of the trace.</summary>
    /// <param name="Shape">the shape of one token's tensor (h and abar: (Din, N); input: (C, H, W))</param>
    /// <param name="Float">the float twin's values at the same name and token (reals), or null</param>
    public sealed record Entry(string Name, int Token, long[] Codes, Domain Domain, int[] Shape, double[]? Float)
    {
        /// <summary>The largest |code x 2^-frac - float| of the entry (null without a float twin).</summary>
        public double? MaxError()
        {
            if (Float is null) return null;
            double m = 0;
            for (int i = 0; i < Codes.Length; i++) m = Math.Max(m, Math.Abs(Samples.Real(Codes[i], Domain) - Float[i]));
            return m;
        }
    }

    /// <summary>The domain and per-token shape of each name the trace holds.</summary>
    public sealed record Layout(Domain Domain, int[] Shape, bool PerToken);

    /// <summary>The trace of a vision / radar model on one sample's input codes (C, H, W).</summary>
    /// <param name="twin">the float model the file was quantized from: its values go beside the codes</param>
    /// <param name="floatInput">the twin's input (normalised reals); default: the input codes as reals,
    /// so that the comparison starts from the same input and shows only the integer path's error</param>
    public static IReadOnlyList<Entry> Of(IntModel m, ReadOnlySpan<long> input, FloatModel? twin = null, double[]? floatInput = null)
    {
        if (m.Embed is null || m.Head is null) throw new ArgumentException("a trace is for vision / radar models; language models use Reference.Step", nameof(m));
        var layout = Layouts(m);
        if (input.Length != Size(layout["input"].Shape)) throw new ArgumentException($"input holds {input.Length} codes, the model needs {Size(layout["input"].Shape)}", nameof(input));
        var floats = new Dictionary<(string, int), double[]>();
        if (twin != null)
        {
            var x = floatInput ?? [.. input.ToArray().Select(q => Samples.Real(q, m.Input))];
            twin.Run(x, (name, t, v) => floats[(name, t)] = v.ToArray());
        }
        var list = new List<Entry>();
        void Add(string name, int t, ReadOnlySpan<long> codes)
        {
            // A tap the layout does not know would have no domain in a golden file: that is a bug here.
            if (!layout.TryGetValue(name, out var l)) throw new InvalidOperationException($"trace: the reference tapped '{name}', which has no layout");
            var f = floats.TryGetValue((name, t), out var v) && v.Length == codes.Length ? v : null;
            list.Add(new Entry(name, t, codes.ToArray(), l.Domain, l.Shape, f));
        }
        Add("input", 0, input);
        Reference.Run(m, input, new Tap(Add));
        return list;
    }

    /// <summary>The domain and shape of every traced name, from the model alone (the same for every sample).</summary>
    public static Dictionary<string, Layout> Layouts(IntModel m)
    {
        var c = m.Config;
        var d = new Dictionary<string, Layout>(StringComparer.Ordinal)
        {
            ["input"] = new(m.Input, [c.InChannels, c.Height, c.Width], false),
        };
        void V(string name, Domain dom, params int[] shape) => d[name] = new(dom, shape, true);
        if (m.Embed != null) V("x0", m.Embed.Out, c.DModel);
        foreach (var b in m.Blocks)
        {
            string p = $"blocks.{b.Index}.";
            int din = b.DInner, n = b.DState;
            V(p + "n", b.Norm.Out, c.DModel); V(p + "u0", b.U0, din); V(p + "z", b.Z, din); V(p + "uc", b.Conv.Out, din);
            if (b.ConvSilu != null) V(p + "u", b.ConvSilu.Out, din);
            V(p + "dt", b.Dt, b.DtRank); V(p + "B", b.B, n); V(p + "C", b.C, n); V(p + "delta", b.DtProj.Out, din);
            V(p + "abar", b.Exp.Out, din, n); V(p + "h", b.State, din, n); V(p + "y", b.Y, din); V(p + "g", b.Gate, din);
            V(p + "o", b.OutProj.Out, c.DModel); V(p + "r", b.Residual, c.DModel);
        }
        V("norm_f", m.FinalNorm.Out, c.DModel);
        // pooled and out are once per sample (token 0); pooled's domain is the head's input (norm_f widened by log2 T).
        if (m.Head != null) { d["pooled"] = new(m.Head.In, [c.DModel], false); d["out"] = new(m.Output, [c.NumOutputs], false); }
        return d;
    }

    private static int Size(int[] shape) => shape.Aggregate(1, (a, s) => a * s);

    private delegate void Sink(string name, int token, ReadOnlySpan<long> codes);

    private sealed class Tap(Sink f) : ITap
    {
        public void Tensor(string name, int token, ReadOnlySpan<long> codes) => f(name, token, codes);
    }
}
