using EMamba.Core.Integer;

namespace EMamba.Engine.Fast;

/// <summary>A PWL unit (doc §7) or the range norm's reciprocal as an int32 table over every code its producer
/// can emit, [Lo, Hi], for per-lane gathers. Pinned (allocated on the pinned heap) so the gather can take a
/// pointer; <see cref="Origin"/> points at code 0, so a lane's code is its own index.</summary>
internal sealed unsafe class LaneTable
{
    public const long MaxEntries = 1 << 20;
    private readonly int[] _t;
    public readonly int* Origin;
    public readonly CodeRange Values;   // the smallest and largest entry: the consumer's input range

    private LaneTable(long lo, long hi, Func<long, long> f, string what, Int32Proof proof)
    {
        proof.Require(hi >= lo && hi - lo + 1 <= MaxEntries && lo >= int.MinValue && hi <= int.MaxValue,
            $"{what}: [{lo}, {hi}] is too wide to tabulate");
        if (proof.Refusal != null) { _t = GC.AllocateArray<int>(1, pinned: true); Origin = null; return; }
        _t = GC.AllocateArray<int>((int)(hi - lo + 1), pinned: true);
        long vmin = long.MaxValue, vmax = long.MinValue;
        for (long q = lo; q <= hi; q++)
        {
            long v = f(q);
            proof.Require(v >= int.MinValue && v <= int.MaxValue, $"{what}({q}) = {v} is wider than int32");
            _t[q - lo] = (int)v;
            vmin = Math.Min(vmin, v); vmax = Math.Max(vmax, v);
        }
        Values = new CodeRange(vmin, vmax);
        fixed (int* p = _t) Origin = p - lo;   // the array is pinned for its lifetime
    }

    /// <summary>The entry of code q (q within the table).</summary>
    public int this[long q] => Origin[q];

    /// <summary>f(i) for i in [0, count): a table whose index is not a code (the scan's A_bar pairs).</summary>
    public static LaneTable Of(long count, Func<long, long> f, string what, Int32Proof proof) => new(0, count - 1, f, what, proof);

    /// <summary>IntOps.Pwl on every code of [lo, hi].</summary>
    public static LaneTable Pwl(IntPwl p, CodeRange q, Int32Proof proof) => new(q.Lo, q.Hi, v => IntOps.Pwl(v, p), p.Name, proof);

    /// <summary>The range norm's RECIP[r] for r in [0, hi] (entry 0 is the table's: an empty range multiplies c = 0).</summary>
    public static LaneTable Recip(IntRangeNorm n, long hi, Int32Proof proof)
    {
        proof.Require(hi < n.Recip.Length, $"{n.Name}: a range of {hi} codes is past its reciprocal table");
        return new(0, Math.Min(hi, n.Recip.Length - 1), r => n.Recip[r], n.Name + " reciprocal", proof);
    }
}
