using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EMamba.Engine.Fast;

/// <summary>The int32 vector operations the samples-in-lanes path (<see cref="LaneModel"/>) is written in,
/// one implementation per <see cref="VectorWidth"/>: lane s of every vector belongs to sample s of a group,
/// so each op is the scalar op applied per lane and the codes cannot depend on the width. Every op is
/// exact in int32 only where LaneModel's proof says so; the ops themselves wrap like C# int.</summary>
internal interface ILanes<TV> where TV : struct
{
    static abstract int Count { get; }
    static abstract TV Load(ref int p);
    static abstract void Store(TV v, ref int p);
    static abstract TV Splat(int v);
    static abstract TV Add(TV a, TV b);
    static abstract TV Sub(TV a, TV b);
    static abstract TV Mul(TV a, TV b);
    static abstract TV Min(TV a, TV b);
    static abstract TV Max(TV a, TV b);
    static abstract TV Shl(TV a, int s);
    static abstract TV Sra(TV a, int s);
    /// <summary>Each lane holds two int16 (low, high): lo_a lo_b + hi_a hi_b in int32 (vpmaddwd).</summary>
    static abstract TV Madd(TV a, TV b);
    /// <summary>(lo &amp; 0xFFFF) | (hi &lt;&lt; 16): two int16 codes into one lane for <see cref="Madd"/>.</summary>
    static abstract TV Pair(TV lo, TV hi);
    /// <summary>((a b &lt;&lt; l) + rnd) &gt;&gt; r per lane with the product and the shift in int64, narrowed back to
    /// int32 (exact where the caller proved the result fits).</summary>
    static abstract TV MulShift64(TV a, TV b, int l, long rnd, int r);
    /// <summary>a &amp; m (the low half of a packed pair).</summary>
    static abstract TV And(TV a, int m);
    /// <summary>Logical right shift (the high half of a packed pair).</summary>
    static abstract TV Srl(TV a, int s);
    /// <summary>table[idx] per lane; idx is within the table (the caller proved it).</summary>
    static abstract unsafe TV Gather(int* table, TV idx);
}

internal readonly struct L512 : ILanes<Vector512<int>>
{
    public static int Count => Vector512<int>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<int> Load(ref int p) => Vector512.LoadUnsafe(ref p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<int> v, ref int p) => v.StoreUnsafe(ref p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<int> Splat(int v) => Vector512.Create(v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<int> Add(Vector512<int> a, Vector512<int> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<int> Sub(Vector512<int> a, Vector512<int> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<int> Mul(Vector512<int> a, Vector512<int> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<int> Min(Vector512<int> a, Vector512<int> b) => Vector512.Min(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<int> Max(Vector512<int> a, Vector512<int> b) => Vector512.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<int> Shl(Vector512<int> a, int s) => Vector512.ShiftLeft(a, s);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<int> Sra(Vector512<int> a, int s) => Vector512.ShiftRightArithmetic(a, s);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> Madd(Vector512<int> a, Vector512<int> b) => Avx512BW.MultiplyAddAdjacent(a.AsInt16(), b.AsInt16());
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> MulShift64(Vector512<int> a, Vector512<int> b, int l, long rnd, int r)
    {
        var (al, ah) = Vector512.Widen(a); var (bl, bh) = Vector512.Widen(b);
        var k = Vector512.Create(rnd);
        return Vector512.Narrow(Vector512.ShiftRightArithmetic(Vector512.ShiftLeft(al * bl, l) + k, r),
            Vector512.ShiftRightArithmetic(Vector512.ShiftLeft(ah * bh, l) + k, r));
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> Pair(Vector512<int> lo, Vector512<int> hi) => (lo & Vector512.Create(0xFFFF)) | Vector512.ShiftLeft(hi, 16);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<int> And(Vector512<int> a, int m) => a & Vector512.Create(m);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<int> Srl(Vector512<int> a, int s) => Vector512.ShiftRightLogical(a, s);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector512<int> Gather(int* table, Vector512<int> idx) =>
        Vector512.Create(L256.Gather(table, idx.GetLower()), L256.Gather(table, idx.GetUpper()));
}

internal readonly struct L256 : ILanes<Vector256<int>>
{
    public static int Count => Vector256<int>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<int> Load(ref int p) => Vector256.LoadUnsafe(ref p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<int> v, ref int p) => v.StoreUnsafe(ref p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<int> Splat(int v) => Vector256.Create(v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<int> Add(Vector256<int> a, Vector256<int> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<int> Sub(Vector256<int> a, Vector256<int> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<int> Mul(Vector256<int> a, Vector256<int> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<int> Min(Vector256<int> a, Vector256<int> b) => Vector256.Min(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<int> Max(Vector256<int> a, Vector256<int> b) => Vector256.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<int> Shl(Vector256<int> a, int s) => Vector256.ShiftLeft(a, s);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<int> Sra(Vector256<int> a, int s) => Vector256.ShiftRightArithmetic(a, s);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Madd(Vector256<int> a, Vector256<int> b) => Avx2.MultiplyAddAdjacent(a.AsInt16(), b.AsInt16());
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> MulShift64(Vector256<int> a, Vector256<int> b, int l, long rnd, int r)
    {
        var (al, ah) = Vector256.Widen(a); var (bl, bh) = Vector256.Widen(b);
        var k = Vector256.Create(rnd);
        return Vector256.Narrow(Vector256.ShiftRightArithmetic(Vector256.ShiftLeft(al * bl, l) + k, r),
            Vector256.ShiftRightArithmetic(Vector256.ShiftLeft(ah * bh, l) + k, r));
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Pair(Vector256<int> lo, Vector256<int> hi) => (lo & Vector256.Create(0xFFFF)) | Vector256.ShiftLeft(hi, 16);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<int> And(Vector256<int> a, int m) => a & Vector256.Create(m);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<int> Srl(Vector256<int> a, int s) => Vector256.ShiftRightLogical(a, s);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector256<int> Gather(int* table, Vector256<int> idx) => Avx2.GatherVector256(table, idx, 4);
}

internal readonly struct L128 : ILanes<Vector128<int>>
{
    public static int Count => Vector128<int>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<int> Load(ref int p) => Vector128.LoadUnsafe(ref p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector128<int> v, ref int p) => v.StoreUnsafe(ref p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<int> Splat(int v) => Vector128.Create(v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<int> Add(Vector128<int> a, Vector128<int> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<int> Sub(Vector128<int> a, Vector128<int> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<int> Mul(Vector128<int> a, Vector128<int> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<int> Min(Vector128<int> a, Vector128<int> b) => Vector128.Min(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<int> Max(Vector128<int> a, Vector128<int> b) => Vector128.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<int> Shl(Vector128<int> a, int s) => Vector128.ShiftLeft(a, s);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<int> Sra(Vector128<int> a, int s) => Vector128.ShiftRightArithmetic(a, s);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Madd(Vector128<int> a, Vector128<int> b) => Sse2.MultiplyAddAdjacent(a.AsInt16(), b.AsInt16());
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> MulShift64(Vector128<int> a, Vector128<int> b, int l, long rnd, int r)
    {
        var (al, ah) = Vector128.Widen(a); var (bl, bh) = Vector128.Widen(b);
        var k = Vector128.Create(rnd);
        return Vector128.Narrow(Vector128.ShiftRightArithmetic(Vector128.ShiftLeft(al * bl, l) + k, r),
            Vector128.ShiftRightArithmetic(Vector128.ShiftLeft(ah * bh, l) + k, r));
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Pair(Vector128<int> lo, Vector128<int> hi) => (lo & Vector128.Create(0xFFFF)) | Vector128.ShiftLeft(hi, 16);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<int> And(Vector128<int> a, int m) => a & Vector128.Create(m);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<int> Srl(Vector128<int> a, int s) => Vector128.ShiftRightLogical(a, s);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector128<int> Gather(int* table, Vector128<int> idx)
    {
        if (Avx2.IsSupported) return Avx2.GatherVector128(table, idx, 4);
        return Vector128.Create(table[idx.GetElement(0)], table[idx.GetElement(1)], table[idx.GetElement(2)], table[idx.GetElement(3)]);
    }
}
