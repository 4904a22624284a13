using EMamba.Core.Integer;

namespace EMamba.Engine.Fast;

/// <summary>The range of codes a boundary can hold: its producer's saturation range (or a table's values).</summary>
internal readonly record struct CodeRange(long Lo, long Hi)
{
    public static CodeRange Of(Domain d) => new(d.Min, d.Max);
    public long MaxAbs => Math.Max(Math.Abs(Lo), Math.Abs(Hi));
}

/// <summary>The proof, made at Prepare, that every intermediate of the samples-in-lanes path fits int32:
/// each bound is doc §2's worst case over the producer's range (max|x| sum|w| + |b| for a sum of products, the
/// largest magnitude for a product), in 128-bit arithmetic. The first bound that fails is kept as the
/// refusal; a model with one is run sample by sample instead (<see cref="FastModel.LaneRefusal"/>).</summary>
internal sealed class Int32Proof
{
    public string? Refusal { get; private set; }

    public void Require(bool ok, string why) { if (!ok) Refusal ??= why; }

    /// <summary>|v| &lt;= max fits an int32 lane (both signs: -max &gt;= -2^31 follows).</summary>
    public Int128 Fit(Int128 max, string what)
    {
        Require(max <= int.MaxValue, $"{what}: |v| up to {max} needs more than 32 bits");
        return max;
    }

    /// <summary><see cref="Shift.Apply"/> on |v| &lt;= max: ((v &lt;&lt; L) + Rnd) must fit and both shift counts be
    /// below 31 (a vector shift masks its count); returns a bound on |result| (the +1 covers rounding a negative v).</summary>
    public Int128 Shifted(Int128 max, Shift s, string what)
    {
        Require(s.L < 31 && s.R < 31, $"{what}: shift by {s.L - s.R} is outside an int32 lane");
        if (Refusal != null) return 0;
        Fit((max << s.L) + s.Rnd, what);
        return ((max << s.L) >> s.R) + 1;
    }

    /// <summary>The same for <see cref="ILanes{TV}.MulShift64"/>: the product and (p &lt;&lt; L) + Rnd in int64, the result in int32.</summary>
    public Int128 Shifted64(Int128 max, Shift s, string what)
    {
        Require(s.L < 63 && s.R < 63 && (max << s.L) + s.Rnd <= long.MaxValue, $"{what}: |v| up to {max} needs more than 64 bits");
        if (Refusal != null) return 0;
        return Fit(((max << s.L) >> s.R) + 1, what);
    }

    /// <summary>A domain whose codes (and clamp bounds) are int32 values.</summary>
    public CodeRange Codes(Domain d, string what)
    {
        Require(d.Min >= int.MinValue && d.Max <= int.MaxValue, $"{what}: domain {d} is wider than int32");
        return CodeRange.Of(d);
    }
}
