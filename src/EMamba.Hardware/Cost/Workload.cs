using EMamba.Core;

namespace EMamba.Hardware.Cost;

/// <summary>One matrix-product layer of a workload: at each of <see cref="Positions"/> positions, Out dot products
/// of length In. <see cref="Weights"/>: the second operand is a stored weight (read from ROM); otherwise it is an
/// activation (attention's q k^T and a v).</summary>
public readonly record struct MatLayer(string Name, long Positions, int In, int Out, bool Weights = true)
{
    public long Macs => Positions * In * Out;
}

/// <summary>A model as a list of matrix products plus its element-wise work (norms, softmax, pooling: PWL-priced
/// operations), its stored weights and its largest pair of feature maps (the ping-pong activation buffers).</summary>
public sealed record Workload(string Name, IReadOnlyList<MatLayer> Layers, long Elementwise, long WeightCount, long ActivationPeak)
{
    public long Macs => Layers.Sum(l => l.Macs);

    /// <summary>The CNN and ViT baselines of Core's <see cref="Baselines"/>, layer by layer as the training
    /// modules build them (CnnModel: VGG stages of two 3x3 convs with 2x2 pooling; VitModel: patch embedding,
    /// pre-norm attention + MLP blocks, mean pool, head). BatchNorm folds into the convs.</summary>
    public static Workload Of(string name, ModelConfig c) => c.Arch switch
    {
        Arch.Cnn => Cnn(name, c),
        Arch.Vit => Vit(name, c),
        _ => throw new ArgumentException($"{name}: a workload is built for the cnn and vit baselines, not {c.Arch}", nameof(c)),
    };

    private static Workload Cnn(string name, ModelConfig c)
    {
        var layers = new List<MatLayer>();
        long elementwise = 0, peak = 0;
        int cin = c.InChannels, h = c.Height, w = c.Width;
        for (int s = 0; s < c.NLayers; s++)
        {
            int ch = c.DModel << s;
            layers.Add(new MatLayer($"stage{s}.conv1", (long)h * w, 9 * cin, ch));
            layers.Add(new MatLayer($"stage{s}.conv2", (long)h * w, 9 * ch, ch));
            elementwise += 2L * h * w * ch;                                   // two ReLUs
            peak = Math.Max(peak, (long)h * w * (cin + ch));
            if (s < c.NLayers - 1 && Math.Min(h, w) / 2 >= 2) { elementwise += 3L * (h / 2) * (w / 2) * ch; h /= 2; w /= 2; }   // 2x2 max: 3 compares
            cin = ch;
        }
        elementwise += (long)h * w * cin;                                     // global average pool
        layers.Add(new MatLayer("head", 1, cin, c.NumOutputs));
        return Finish(name, layers, elementwise, peak);
    }

    private static Workload Vit(string name, ModelConfig c)
    {
        int t = c.Tokens, d = c.DModel, dh = d / c.Heads, hid = d * c.MlpRatio;
        var layers = new List<MatLayer> { new("embed", t, c.PatchDim, d) };
        long elementwise = 0;
        for (int b = 0; b < c.NLayers; b++)
        {
            string p = $"blocks.{b}.";
            layers.Add(new MatLayer(p + "qkv", t, d, 3 * d));
            layers.Add(new MatLayer(p + "scores", (long)t * c.Heads, dh, t, Weights: false));   // q k^T
            layers.Add(new MatLayer(p + "mix", (long)t * c.Heads, t, dh, Weights: false));      // softmax(.) v
            layers.Add(new MatLayer(p + "out", t, d, d));
            layers.Add(new MatLayer(p + "fc1", t, d, hid));
            layers.Add(new MatLayer(p + "fc2", t, hid, d));
            elementwise += (long)t * t * c.Heads * 2 + 2L * 3 * t * d + (long)t * hid;   // softmax exp + normalise, two LayerNorms, GELU
        }
        elementwise += 3L * t * d + (long)t * d;                               // final LayerNorm, mean pool
        layers.Add(new MatLayer("head", 1, d, c.NumOutputs));
        return Finish(name, layers, elementwise, (long)t * (d + hid) + (long)t * t * c.Heads);
    }

    private static Workload Finish(string name, List<MatLayer> layers, long elementwise, long peak) =>
        new(name, layers, elementwise, layers.Where(l => l.Weights).Sum(l => (long)l.In * l.Out), peak);
}
