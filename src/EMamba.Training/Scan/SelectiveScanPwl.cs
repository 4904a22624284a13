using EMamba.Core.Approx;
using EMamba.Training.Eval;

namespace EMamba.Training.Scan;

/// <summary>The piecewise-linear exp inside the fused scan: A_bar = pwl(delta A) evaluated lane-wise
/// segment by segment, so no (Bt, L, Din, N) tensor is ever built.
/// <code>
///   segment j (j &lt; S):  k_j &lt;= x &lt; k_j+1:  a = v_j + s_j (x - k_j),  s_j = (v_j+1 - v_j) / w_j
///   x &lt; k_0: a = v_0 + b (x - k_0)     x &gt;= k_S: a = v_S + c (x - k_S)    (the tails of <see cref="PwlRule"/>:
///   for exp b = c = 0, v_0 held below and v_S above, saturation)
/// </code>
/// The backward gets per segment G_j = sum g and T_j = sum g (x - k_j) over the elements that fell in it
/// (g = dLoss/dA_bar), and the two tail sums; knot and value gradients follow in closed form
/// (<see cref="Gradients"/>), since within a segment every derivative is linear in x.</summary>
internal sealed class SelectiveScanPwl
{
    public readonly int S;                   // segments
    public readonly float[] Lo, Hi, K, V, Slope;
    public readonly float TailLo, TailValue, HeadValue, HeadSlope, TailSlope;

    /// <summary>The table under <paramref name="rule"/> (default: exp's, the only function the scan holds).</summary>
    public SelectiveScanPwl(float[] knots, float[] values, PwlRule? rule = null)
    {
        rule ??= PwlRule.Exp;
        HeadSlope = (float)rule.BelowSlope; TailSlope = (float)rule.AboveSlope;
        HeadValue = values[0];
        S = knots.Length - 1;
        Lo = new float[S]; Hi = new float[S]; K = new float[S]; V = new float[S]; Slope = new float[S];
        for (int j = 0; j < S; j++)
        {
            float w = knots[j + 1] - knots[j];
            Lo[j] = knots[j]; K[j] = knots[j]; V[j] = values[j];
            Hi[j] = knots[j + 1];
            Slope[j] = w > 0 ? (values[j + 1] - values[j]) / w : 0;
        }
        TailLo = knots[S];
        TailValue = values[S];
        Knots = knots;
    }

    public float[] Knots { get; }

    /// <summary>Accumulators per work item: G_0..G_S-1, T_0..T_S-1, below-range sum, above-range sum.</summary>
    public int Sums => 2 * S + 2;

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public W Eval<W>(W x) where W : struct, ILanes<W>
    {
        // A flat tail is the end value itself (no 0 * (x - k) term, which an infinite x would make NaN).
        W head = HeadSlope == 0 ? W.Splat(HeadValue) : W.Fma(x + W.Splat(-K[0]), W.Splat(HeadSlope), W.Splat(HeadValue));
        W tail = TailSlope == 0 ? W.Splat(TailValue) : W.Fma(x + W.Splat(-Knots[S]), W.Splat(TailSlope), W.Splat(TailValue));
        W y = W.InRange(x, float.NegativeInfinity, Lo[0], head) + W.InRange(x, TailLo, float.PositiveInfinity, tail);
        for (int j = 0; j < S; j++)
            y += W.InRange(x, Lo[j], Hi[j], W.Fma(x + W.Splat(-K[j]), W.Splat(Slope[j]), W.Splat(V[j])));
        return y;
    }

    /// <summary>Stride of one accumulator in acc: the widest lane count, so every width shares one layout.</summary>
    public const int Stride = 16;

    /// <summary>dLoss/dx for incoming g at x, adding g's share to the segment sums (lane-wise, in acc).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public unsafe W Backward<W>(W x, W g, float* acc) where W : struct, ILanes<W>
    {
        const int n = Stride;
        W gx = W.Zero;
        for (int j = 0; j < S; j++)
        {
            W m = W.InRange(x, Lo[j], Hi[j], g);
            W.Store(W.Load(acc + j * n) + m, acc + j * n);
            W.Store(W.Fma(m, x + W.Splat(-K[j]), W.Load(acc + (S + j) * n)), acc + (S + j) * n);
            gx = W.Fma(m, W.Splat(Slope[j]), gx);
        }
        W below = W.InRange(x, float.NegativeInfinity, Lo[0], g), above = W.InRange(x, TailLo, float.PositiveInfinity, g);
        W.Store(W.Load(acc + 2 * S * n) + below, acc + 2 * S * n);
        W.Store(W.Load(acc + (2 * S + 1) * n) + above, acc + (2 * S + 1) * n);
        if (HeadSlope != 0) gx = W.Fma(below, W.Splat(HeadSlope), gx);
        if (TailSlope != 0) gx = W.Fma(above, W.Splat(TailSlope), gx);
        return gx;
    }

    /// <summary>Knot and value gradients (S + 1 each) from the summed G, T and tail.</summary>
    public (float[] Knots, float[] Values) Gradients(double[] sums)
    {
        var gk = new double[S + 1]; var gv = new double[S + 1];
        for (int j = 0; j < S; j++)
        {
            double w = (double)Knots[j + 1] - Knots[j];
            if (!(w > 0)) { gv[j] += sums[j]; continue; }
            double g = sums[j], tw = sums[S + j] / w, s = Slope[j];
            gv[j] += g - tw; gv[j + 1] += tw;
            gk[j] += s * (tw - g); gk[j + 1] -= s * tw;
        }
        // Tails: y = v_e + slope (x - k_e), so dy/dv_e = 1 and dy/dk_e = -slope.
        gv[0] += sums[2 * S]; gk[0] -= HeadSlope * sums[2 * S];
        gv[S] += sums[2 * S + 1]; gk[S] -= TailSlope * sums[2 * S + 1];
        return (gk.Select(v => (float)v).ToArray(), gv.Select(v => (float)v).ToArray());
    }
}
