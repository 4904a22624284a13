using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EMamba.Engine.Fast;

/// <summary>A <see cref="LaneTable"/> of at most 256 codes whose values are int8 (a PWL SiLU on s8 codes), looked up
/// at 16 lanes with AVX-512 VBMI byte permutes (vpermi2b) instead of a gather: narrow the codes to bytes, two
/// 128-entry permutes, pick by the index's top bit, widen. The table holds the same IntOps.Pwl values, so the
/// result is the gather's; null where VBMI is absent or the table does not fit bytes.</summary>
internal sealed class LaneByteTable
{
    private readonly Vector512<byte> _t0, _t1, _t2, _t3;   // entries 0-63, 64-127, 128-191, 192-255 (code lo + i)
    private readonly int _lo;

    private LaneByteTable(sbyte[] t, int lo)
    {
        _lo = lo;
        var b = new byte[256];
        for (int i = 0; i < t.Length; i++) b[i] = (byte)t[i];
        _t0 = Vector512.Create(b.AsSpan(0, 64)); _t1 = Vector512.Create(b.AsSpan(64, 64));
        _t2 = Vector512.Create(b.AsSpan(128, 64)); _t3 = Vector512.Create(b.AsSpan(192, 64));
    }

    public static LaneByteTable? TryBuild(LaneTable t, CodeRange q)
    {
        if (!Avx512Vbmi.IsSupported || q.Hi - q.Lo + 1 > 256 || t.Values.Lo < sbyte.MinValue || t.Values.Hi > sbyte.MaxValue) return null;
        var v = new sbyte[q.Hi - q.Lo + 1];
        for (long c = q.Lo; c <= q.Hi; c++) v[c - q.Lo] = (sbyte)t[c];
        return new LaneByteTable(v, (int)q.Lo);
    }

    /// <summary>table[q] per lane for codes q in the table's range.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<int> Lookup(Vector512<int> q)
    {
        var i = Avx512F.ConvertToVector128Byte((q - Vector512.Create(_lo)).AsUInt32());   // 0..255, one byte per lane
        var iz = i.ToVector256Unsafe().ToVector512Unsafe();                                                   // the upper 48 bytes are not used
        var lo = Avx512Vbmi.PermuteVar64x8x2(_t0, iz, _t1).GetLower().GetLower();
        var hi = Avx512Vbmi.PermuteVar64x8x2(_t2, iz, _t3).GetLower().GetLower();
        var r = Vector128.ConditionalSelect(Vector128.GreaterThan(i, Vector128.Create((byte)127)), hi, lo);
        return Avx512F.ConvertToVector512Int32(r.AsSByte());
    }
}
