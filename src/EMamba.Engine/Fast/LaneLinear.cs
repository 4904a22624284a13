using EMamba.Core.Integer;
using System.Runtime.CompilerServices;

namespace EMamba.Engine.Fast;

/// <summary>A linear layer (doc §4) for the samples-in-lanes path: one vector holds one feature of G samples,
/// so a weight is broadcast once and serves the whole group, and no horizontal sum is needed. Two int16 codes
/// share an int32 lane and two int8 weights one broadcast, so one vpmaddwd does 2 G multiply-accumulates.
/// Exact because <see cref="Int32Proof"/> checked max|x| sum_i |w_ji| + |b_j| and the requantization shift in int32
/// for every row (Mult must be 1: a real multiplier needs 64 bits).</summary>
internal sealed class LaneLinear
{
    public readonly int In, Out, Pairs;
    public readonly CodeRange OutRange;
    private readonly bool _tokenBias;
    private readonly int[] _w;          // (Out, Pairs): w_{j,2i} in the low int16, w_{j,2i+1} (0 past In) in the high
    private readonly int[] _bias;       // (Tokens, Out)
    private readonly Shift[] _shift;    // (Out)
    private readonly int _lo, _hi;

    public LaneLinear(IntLinear l, CodeRange x, Int32Proof proof)
    {
        In = l.InFeatures; Out = l.OutFeatures; Pairs = (In + 1) / 2; _tokenBias = l.TokenBias;
        proof.Require(x.Lo >= short.MinValue && x.Hi <= short.MaxValue, $"{l.Name}: input codes [{x.Lo}, {x.Hi}] are wider than int16");
        proof.Require(l.Mult.All(m => m == 1), $"{l.Name}: a real-valued multiplier needs 64 bits");
        OutRange = proof.Codes(l.Out, l.Name);
        _lo = (int)Math.Max(OutRange.Lo, int.MinValue); _hi = (int)Math.Min(OutRange.Hi, int.MaxValue);
        _shift = [.. l.Shift.Select(s => new Shift(s))];
        _w = new int[Out * Pairs];
        _bias = new int[l.Tokens * Out];
        for (int j = 0; j < Out; j++)
        {
            long sumW = 0, maxB = 0;
            for (int i = 0; i < In; i++)
            {
                sumW += Math.Abs((long)l.Weight[j * In + i]);
                int part = (ushort)l.Weight[j * In + i];   // the int16 pattern of the int8 weight
                _w[j * Pairs + i / 2] |= i % 2 == 0 ? part : part << 16;
            }
            for (int t = 0; t < l.Tokens; t++)
            {
                long b = l.BiasAt(t, j);
                maxB = Math.Max(maxB, Math.Abs(b));
                _bias[t * Out + j] = (int)Math.Clamp(b, int.MinValue, int.MaxValue);
            }
            var acc = proof.Fit((Int128)x.MaxAbs * sumW + maxB, $"{l.Name} row {j}");
            proof.Shifted(acc, _shift[j], $"{l.Name} row {j} requantization");
        }
    }

    /// <summary>x: (In, G) -> y: (Out, G) for one token; pairs is an (Pairs, G) scratch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run<TL, TV>(Span<int> x, int token, Span<int> y, Span<int> pairs) where TL : ILanes<TV> where TV : struct
    {
        int g = TL.Count;
        ref int xr = ref x[0], pr = ref pairs[0], yr = ref y[0];
        for (int i = 0; i < Pairs; i++)
        {
            var hi = 2 * i + 1 < In ? TL.Load(ref Unsafe.Add(ref xr, (2 * i + 1) * g)) : TL.Splat(0);
            TL.Store(TL.Pair(TL.Load(ref Unsafe.Add(ref xr, 2 * i * g)), hi), ref Unsafe.Add(ref pr, i * g));
        }
        ReadOnlySpan<int> bias = _bias.AsSpan(_tokenBias ? token * Out : 0, Out);
        ref int w = ref _w[0];
        int j = 0;
        for (; j + 4 <= Out; j += 4)
        {
            // Four rows share each pair load.
            TV a0 = TL.Splat(bias[j]), a1 = TL.Splat(bias[j + 1]), a2 = TL.Splat(bias[j + 2]), a3 = TL.Splat(bias[j + 3]);
            ref int w0 = ref Unsafe.Add(ref w, j * Pairs);
            for (int i = 0; i < Pairs; i++)
            {
                var p = TL.Load(ref Unsafe.Add(ref pr, i * g));
                a0 = TL.Add(a0, TL.Madd(p, TL.Splat(Unsafe.Add(ref w0, i))));
                a1 = TL.Add(a1, TL.Madd(p, TL.Splat(Unsafe.Add(ref w0, Pairs + i))));
                a2 = TL.Add(a2, TL.Madd(p, TL.Splat(Unsafe.Add(ref w0, 2 * Pairs + i))));
                a3 = TL.Add(a3, TL.Madd(p, TL.Splat(Unsafe.Add(ref w0, 3 * Pairs + i))));
            }
            TL.Store(Requant<TL, TV>(a0, j), ref Unsafe.Add(ref yr, j * g));
            TL.Store(Requant<TL, TV>(a1, j + 1), ref Unsafe.Add(ref yr, (j + 1) * g));
            TL.Store(Requant<TL, TV>(a2, j + 2), ref Unsafe.Add(ref yr, (j + 2) * g));
            TL.Store(Requant<TL, TV>(a3, j + 3), ref Unsafe.Add(ref yr, (j + 3) * g));
        }
        for (; j < Out; j++)
        {
            TV a = TL.Splat(bias[j]);
            for (int i = 0; i < Pairs; i++) a = TL.Add(a, TL.Madd(TL.Load(ref Unsafe.Add(ref pr, i * g)), TL.Splat(Unsafe.Add(ref w, j * Pairs + i))));
            TL.Store(Requant<TL, TV>(a, j), ref Unsafe.Add(ref yr, j * g));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private TV Requant<TL, TV>(TV acc, int j) where TL : ILanes<TV> where TV : struct =>
        TL.Min(TL.Max(LaneOps.Apply<TL, TV>(acc, _shift[j]), TL.Splat(_lo)), TL.Splat(_hi));
}

internal static class LaneOps
{
    /// <summary><see cref="Shift.Apply"/> per lane: ((v &lt;&lt; L) + Rnd) &gt;&gt; R (exact where Int32Proof.Shifted held).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Apply<TL, TV>(TV v, Shift s) where TL : ILanes<TV> where TV : struct =>
        TL.Sra(TL.Add(TL.Shl(v, s.L), TL.Splat((int)s.Rnd)), s.R);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Clamp<TL, TV>(TV v, int lo, int hi) where TL : ILanes<TV> where TV : struct =>
        TL.Min(TL.Max(v, TL.Splat(lo)), TL.Splat(hi));
}
