using EMamba.Core.Integer;
using static EMamba.Core.Integer.IntOps;

namespace EMamba.Engine.Fast;

/// <summary>A linear layer (doc §4) prepared for the fast path: weights widened to int16 and zero padded
/// to a multiple of 32 columns, (Out, InPad) row-major, so the dot products run in int32 SIMD lanes.
/// Lanes are used only where doc §2's bound proves them exact: max|x| sum_i |w_ji| &lt; 2^31 for every row
/// (x's bound is its input domain's magnitude, and each call checks the packed codes stay within it);
/// otherwise the layer, or that call, accumulates in 64 bits as the reference does. The bias, multiplier,
/// shift and saturation are applied per output in 64 bits, exactly as <see cref="Reference.Linear"/>.</summary>
internal sealed class FastLinear
{
    public readonly IntLinear L;
    public readonly int In, Out, InPad;
    private readonly short[] _w;            // (Out, InPad), zero padded: padded x garbage times 0 is 0
    private readonly long _lo, _hi;         // the input codes the int32 bound was proved for (its domain)
    public readonly bool Lanes;             // int32 lanes proved exact for this layer
    private readonly bool _unitScale;       // every Mult is 1: skip the multiply
    private readonly Shift[] _shift;
    private readonly long[] _bias;          // (Tokens, Out): the bias of every row, 0 when the layer has none

    public FastLinear(IntLinear l)
    {
        L = l; In = l.InFeatures; Out = l.OutFeatures;
        InPad = (In + Dot16.Pad - 1) / Dot16.Pad * Dot16.Pad;
        _w = new short[Out * InPad];
        for (int j = 0; j < Out; j++)
            for (int i = 0; i < In; i++) _w[j * InPad + i] = l.Weight[j * In + i];
        _lo = l.In.Min; _hi = l.In.Max;
        Lanes = _lo >= short.MinValue && _hi <= short.MaxValue && ProvedInt32(l, Math.Max(Math.Abs(_lo), Math.Abs(_hi)));
        _unitScale = l.Mult.All(m => m == 1);
        _shift = [.. l.Shift.Select(s => new Shift(s))];
        _bias = new long[l.Tokens * Out];
        for (int t = 0; t < l.Tokens; t++) for (int j = 0; j < Out; j++) _bias[t * Out + j] = l.BiasAt(t, j);
    }

    /// <summary>doc §2's bound for int32 lanes: every row's max|x| sum|w| &lt; 2^31 (the bias is added in 64 bits).</summary>
    private static bool ProvedInt32(IntLinear l, long xMax)
    {
        for (int j = 0; j < l.OutFeatures; j++)
        {
            long s = 0;
            foreach (var w in l.Row(j)) s += Math.Abs((long)w);
            if ((Int128)xMax * s >= int.MaxValue) return false;
        }
        return true;
    }

    /// <summary>y = Out.Clamp(RoundShift((bias + W x) Mult, Shift)) for one token; xs is an InPad scratch.</summary>
    public void Run(ReadOnlySpan<long> x, int token, Span<long> y, short[] xs, VectorWidth width, Span<long> acc)
    {
        if (width != VectorWidth.Scalar && Lanes && Pack(x, xs)) DotLanes(xs, width, acc);
        else DotWide(x, acc);
        var l = L;
        var bias = _bias.AsSpan(l.TokenBias ? token * Out : 0, Out);
        long lo = l.Out.Min, hi = l.Out.Max;
        for (int j = 0; j < Out; j++)
        {
            long a = acc[j] + bias[j];
            y[j] = Math.Clamp(_shift[j].Apply(_unitScale ? a : a * l.Mult[j]), lo, hi);
        }
    }

    // The codes as int16, false when one lies outside the domain the bound was proved for.
    private bool Pack(ReadOnlySpan<long> x, short[] xs)
    {
        long lo = _lo, hi = _hi;
        for (int i = 0; i < x.Length; i++)
        {
            long v = x[i];
            if (v > hi || v < lo) return false;
            xs[i] = (short)v;
        }
        return true;
    }

    private void DotLanes(short[] xs, VectorWidth width, Span<long> acc)
    {
        ReadOnlySpan<short> xv = xs.AsSpan(0, InPad);
        Span<int> r = stackalloc int[4];
        int j = 0;
        for (; j + 4 <= Out; j += 4)
        {
            Dot16.Dot4(width, xv, _w.AsSpan(j * InPad), InPad, r);
            acc[j] = r[0]; acc[j + 1] = r[1]; acc[j + 2] = r[2]; acc[j + 3] = r[3];
        }
        for (; j < Out; j++) acc[j] = Dot16.Dot1(width, xv, _w.AsSpan(j * InPad, InPad));
    }

    // 64-bit accumulation, the reference's arithmetic.
    private void DotWide(ReadOnlySpan<long> x, Span<long> acc)
    {
        for (int j = 0; j < Out; j++)
        {
            var w = _w.AsSpan(j * InPad, In);
            long a = 0;
            for (int i = 0; i < w.Length; i++) a += x[i] * w[i];
            acc[j] = a;
        }
    }
}
