using EMamba.Core;
using EMamba.Core.Integer;
using EMamba.Engine.Quantize;

namespace EMamba.Hardware.Tests;

/// <summary>The tiny generated models the hardware tests co-simulate: small enough that a verilator
/// C++ build stays short on a 2-core machine, with every operation of a block present.</summary>
internal static class Tiny
{
    /// <summary>One block with conv SiLU on the radar task's geometry (5x8x8, 4x4 patches: 4 tokens), default precision (16-bit residual stream).</summary>
    public static readonly ModelConfig One = new()
    {
        Task = TaskKind.Mars, Head = Head.Regress, InChannels = 5, Height = 8, Width = 8, Patch = 4,
        DModel = 4, Expand = 2, DState = 2, NLayers = 1, NumOutputs = 57,
    };

    /// <summary>Two blocks without conv SiLU, d_conv 3, all activations 8 bits and a 12-bit state.</summary>
    public static readonly ModelConfig Two = new()
    {
        Task = TaskKind.Mars, Head = Head.Regress, InChannels = 5, Height = 8, Width = 8, Patch = 4,
        DModel = 4, Expand = 2, DState = 3, NLayers = 2, NumOutputs = 57, DConv = 3, ConvSilu = false,
    };

    public static readonly Precision Narrow = new()
    {
        Method = CalibMethod.Max,
        Kinds = new Dictionary<string, Precision.Override> { ["x0"] = new(Bits: 8), ["r"] = new(Bits: 8), ["o"] = new(Bits: 8), ["y"] = new(Bits: 8), ["g"] = new(Bits: 8), ["h"] = new(Bits: 12) },
    };

    private static readonly Lazy<IntModel> one = new(() => RandomModel.Quantized(One, 11));
    private static readonly Lazy<IntModel> two = new(() => RandomModel.Quantized(Two, 12, Narrow));
    public static IntModel ModelOne => one.Value;
    public static IntModel ModelTwo => two.Value;

    /// <summary>Random input codes including the domain's extremes.</summary>
    public static long[] Input(IntModel m, int seed)
    {
        var rng = new Random(seed);
        var c = m.Config;
        var x = new long[c.InChannels * c.Height * c.Width];
        for (int i = 0; i < x.Length; i++) x[i] = (i + seed) % 7 == 0 ? (i % 2 == 0 ? m.Input.Min : m.Input.Max) : rng.Next((int)m.Input.Min, (int)m.Input.Max + 1);
        return x;
    }

    /// <summary>The tests' build cache: keyed by design hash, so a rerun of the tests reuses every build.</summary>
    public static readonly string Cache = Path.Combine(Path.GetTempPath(), "emamba-hw-tests-cache");
}
