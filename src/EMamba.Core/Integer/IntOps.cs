namespace EMamba.Core.Integer;

/// <summary>The integer semantics of eMamba, written once (docs/integer.md, section by section). The
/// engine's scalar path calls these in pipeline order, its fast path is tested bit for bit against
/// them, and the RTL generator emits one module per operation family here. Everything is integer:
/// no float, no double, no global state; a value's real meaning is code x 2^-frac, the frac being
/// carried by the quantized model, not by these functions.
///
/// Widths: codes are held in <c>long</c> so that every intermediate the doc proves to fit (at most
/// 48 bits, checked when a model is loaded) is exact; saturation happens only where an op says so.</summary>
public static class IntOps
{
    // ------------------------------------------------------------ rounding and saturation (doc §2)

    /// <summary>v x 2^-s rounded half up (toward +infinity at a tie): (v + 2^(s-1)) >> s with an
    /// arithmetic shift. s = 0 is the identity; s &lt; 0 shifts left (exact). Hardware: an adder and
    /// a shifter; the rule Vitis-AI uses, and the cheapest one that is unbiased except at ties.</summary>
    public static long RoundShift(long v, int s) => s switch
    {
        > 0 => (v + (1L << (s - 1))) >> s,
        0 => v,
        _ => v << -s,
    };

    /// <summary>Clamp to the signed range of <paramref name="bits"/> bits: [-2^(b-1), 2^(b-1) - 1].</summary>
    public static long Sat(long v, int bits)
    {
        long hi = (1L << (bits - 1)) - 1, lo = -hi - 1;
        return v < lo ? lo : v > hi ? hi : v;
    }

    /// <summary>Clamp to [0, 2^b - 1] (unsigned codes: ReLU Delta, A_bar).</summary>
    public static long SatU(long v, int bits)
    {
        long hi = (1L << bits) - 1;
        return v < 0 ? 0 : v > hi ? hi : v;
    }

    /// <summary>Requantization of an accumulator: Sat(RoundShift(acc x m, s), bits). Power-of-two
    /// scales use m = 1 (hardware: a shifter only); per-channel real scales use a fixed-point
    /// multiplier m in [2^30, 2^31) with s = 31 + k (hardware: one 32-bit multiplier per lane).</summary>
    public static long Requant(long acc, long m, int s, int bits) => Sat(RoundShift(acc * m, s), bits);

    /// <summary>Unsigned requantization (ReLU Delta): SatU(RoundShift(acc x m, s), bits).</summary>
    public static long RequantU(long acc, long m, int s, int bits) => SatU(RoundShift(acc * m, s), bits);

    /// <summary>Brings a code from frac <paramref name="from"/> to frac <paramref name="to"/>: a left
    /// shift when gaining fraction bits (exact), otherwise RoundShift (half up).</summary>
    public static long Align(long v, int from, int to) => RoundShift(v, from - to);

    /// <summary>Round-half-up division n / d for d &gt; 0: floor((2n + d) / 2d). Used only when a model
    /// is quantized or loaded (reciprocal and slope tables), never per sample.</summary>
    public static long RoundDiv(long n, long d)
    {
        if (d <= 0) throw new ArgumentOutOfRangeException(nameof(d), "divisor must be positive");
        return FloorDiv(2 * n + d, 2 * d);
    }

    private static long FloorDiv(long n, long d) { long q = n / d; return (n % d != 0 && (n < 0) != (d < 0)) ? q - 1 : q; }

    // ------------------------------------------------------------ linear layers (doc §4)

    /// <summary>acc_j = bias_j + sum_i x_i w_ji for one output j of a linear layer, w row-major (Out, In).</summary>
    public static long Dot(ReadOnlySpan<long> x, ReadOnlySpan<sbyte> wRow, long bias)
    {
        long acc = bias;
        for (int i = 0; i < x.Length; i++) acc += x[i] * wRow[i];
        return acc;
    }

    // ------------------------------------------------------------ range norm (doc §5)

    /// <summary>Fraction bits of the normalised value t = (x - mean) / (max - min), |t| &lt;= 1.</summary>
    public const int NormTFrac = 14;
    /// <summary>Fraction bits of the reciprocal table for inputs of <paramref name="bits"/> bits:
    /// RECIP[r] = round(2^(16 + bits) / (D r)), so t keeps at least 16 - log2(D) significant bits
    /// however wide the input (24 for 8-bit codes).</summary>
    public static int NormRecipFrac(int bits) => 16 + bits;

    /// <summary>The range norm's reciprocal table for width D and input codes of <paramref name="bits"/>
    /// bits: entry r (the token's max - min in codes, 1..2^bits - 1) is round(2^(16+bits) / (D r));
    /// entry 0 is unused (an empty range gives t = 0). Built in integers at load; hardware keeps it in a ROM.</summary>
    public static long[] NormRecipTable(int d, int bits)
    {
        var t = new long[1 << bits];
        for (int r = 1; r < t.Length; r++) t[r] = RoundDiv(1L << NormRecipFrac(bits), (long)d * r);
        return t;
    }

    /// <summary>t_i in Q14 for one token x (D codes of <paramref name="bits"/> bits): c_i = D x_i - sum(x)
    /// (exact: no mean is rounded), r = max(x) - min(x); t_i = RoundShift(c_i x RECIP[r], 2 + bits), and
    /// t = 0 when r = 0 (every input equal: the output is beta).
    /// |c_i RECIP[r]| &lt; 2^(16+bits) + (D-1) r / 2, proved in the doc (§5).</summary>
    public static void RangeNormT(ReadOnlySpan<long> x, ReadOnlySpan<long> recip, int bits, Span<long> t)
    {
        long sum = 0, mx = long.MinValue, mn = long.MaxValue;
        foreach (long v in x) { sum += v; if (v > mx) mx = v; if (v < mn) mn = v; }
        long r = mx - mn, d = x.Length;
        if (r == 0) { t.Clear(); return; }
        long k = recip[(int)r];
        int s = NormRecipFrac(bits) - NormTFrac;
        for (int i = 0; i < x.Length; i++) t[i] = RoundShift((d * x[i] - sum) * k, s);
    }

    // ------------------------------------------------------------ piecewise-linear units (doc §7)

    /// <summary>Fraction bits of PWL segment slopes.</summary>
    public const int SlopeFrac = 16;

    /// <summary>One PWL unit on codes (<see cref="IntPwl"/>): below the first knot
    /// y = v_0 + RoundShift((q - k_0) x below, 16); at or above the last y = v_K + RoundShift((q - k_K) x above, 16);
    /// in between y = v_j + RoundShift((q - k_j) x s_j, 16) on the last segment j with k_j &lt;= q;
    /// then clamped to [lo, hi]. y(k_j) = v_j exactly; between knots within 1/2 LSB of the chord.</summary>
    public static long Pwl(long q, IntPwl p)
    {
        var k = p.Knots;
        long y;
        if (q < k[0]) y = p.Values[0] + RoundShift((q - k[0]) * p.BelowSlope, SlopeFrac);
        else if (q >= k[^1]) y = p.Values[^1] + RoundShift((q - k[^1]) * p.AboveSlope, SlopeFrac);
        else
        {
            int lo = 0, hi = k.Length - 2;
            while (lo < hi) { int mid = (lo + hi + 1) >> 1; if (k[mid] <= q) lo = mid; else hi = mid - 1; }
            y = p.Values[lo] + RoundShift((q - k[lo]) * p.Slopes[lo], SlopeFrac);
        }
        return y < p.Lo ? p.Lo : y > p.Hi ? p.Hi : y;
    }

    // ------------------------------------------------------------ selective scan (doc §9-§11)

    /// <summary>One state element's update: h' = Sat_stateBits(RoundShift(abar h + bxAcc, abarFrac)), with
    /// bxAcc = Delta B u already aligned to the product's frac (abarFrac + the state's frac). abar is
    /// unsigned with 1.0 = 2^abarFrac; the sum is accumulated wide (abar bits + state bits + 1) and
    /// narrowed once for storage, half up. An abar of exactly 1.0 with bxAcc = 0 keeps h unchanged.</summary>
    public static long StateUpdate(long h, long abar, long bxAcc, int abarFrac, int stateBits)
        => Sat(RoundShift(abar * h + bxAcc, abarFrac), stateBits);
}
