using EMamba.Core.Integer;

namespace EMamba.Engine.Fast;

/// <summary>A PWL unit (doc §7) as a lookup table over the codes that can reach it: entry q - Lo holds
/// <see cref="IntOps.Pwl"/>(q), evaluated once at Prepare on every code of [lo, hi] (256 entries for an
/// 8-bit input). A code outside the table (or a unit whose range is too wide to tabulate) is computed
/// with IntOps.Pwl itself, so the table is only a cache and the result is always the reference's.</summary>
internal sealed class FastPwl
{
    public const long MaxEntries = 1 << 17;
    private readonly IntPwl _p;
    private readonly int[] _t;
    private readonly long _lo;

    public FastPwl(IntPwl p, long lo, long hi)
    {
        _p = p;
        bool fitsInt = p.Lo >= int.MinValue && p.Hi <= int.MaxValue;
        if (!fitsInt || hi < lo || hi - lo + 1 > MaxEntries) { _t = []; return; }
        _lo = lo;
        _t = new int[hi - lo + 1];
        for (long q = lo; q <= hi; q++) _t[q - lo] = (int)IntOps.Pwl(q, p);
    }

    /// <summary>Over the whole domain <paramref name="d"/> (the producer's saturation range).</summary>
    public FastPwl(IntPwl p, Domain d) : this(p, d.Min, d.Max) { }

    public int Entries => _t.Length;

    public long this[long q]
    {
        get
        {
            ulong i = (ulong)(q - _lo);
            return i < (ulong)_t.Length ? _t[i] : IntOps.Pwl(q, _p);
        }
    }
}
