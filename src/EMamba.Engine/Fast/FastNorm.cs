using EMamba.Core.Integer;
using static EMamba.Core.Integer.IntOps;

namespace EMamba.Engine.Fast;

/// <summary>Range norm (doc §5) without allocation: the same integer steps as IntOps.RangeNormT and
/// Reference.RangeNorm (exact c_i = D x_i - sum, the reciprocal table, two half-up roundings).</summary>
internal sealed class FastNorm(IntRangeNorm n)
{
    private readonly int _tShift = NormRecipFrac(n.In.Bits) - NormTFrac, _yShift = NormTFrac + n.GammaFrac - n.Out.Frac;

    // x: (D) -> y: (D)
    public void Run(ReadOnlySpan<long> x, Span<long> y)
    {
        long sum = 0, mx = long.MinValue, mn = long.MaxValue;
        foreach (long v in x) { sum += v; if (v > mx) mx = v; if (v < mn) mn = v; }
        long r = mx - mn, d = x.Length;
        var g = n.Gamma; var b = n.Beta; var o = n.Out;
        if (r == 0) { for (int i = 0; i < x.Length; i++) y[i] = o.Clamp(RoundShift(b[i], _yShift)); return; }
        long k = n.Recip[(int)r];
        for (int i = 0; i < x.Length; i++)
        {
            long t = RoundShift((d * x[i] - sum) * k, _tShift);
            y[i] = o.Clamp(RoundShift(t * g[i] + b[i], _yShift));
        }
    }
}
