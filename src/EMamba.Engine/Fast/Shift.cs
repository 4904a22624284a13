using System.Runtime.CompilerServices;

namespace EMamba.Engine.Fast;

/// <summary>IntOps.RoundShift(v, s) for a shift fixed at Prepare, without a branch per call:
/// ((v &lt;&lt; l) + rnd) &gt;&gt; r with l = max(-s, 0), r = max(s, 0), rnd = 2^(r-1) (0 when r = 0). For s &gt; 0
/// that is (v + 2^(s-1)) &gt;&gt; s, half up; for s &lt;= 0 the exact left shift: the same value for every v.</summary>
internal readonly struct Shift
{
    public readonly int L, R;
    public readonly long Rnd;

    public Shift(int s) { L = Math.Max(-s, 0); R = Math.Max(s, 0); Rnd = R > 0 ? 1L << (R - 1) : 0; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Apply(long v) => ((v << L) + Rnd) >> R;
}
