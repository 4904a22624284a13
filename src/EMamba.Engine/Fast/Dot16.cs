using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EMamba.Engine.Fast;

/// <summary>Exact int16 x int16 dot products in int32 lanes (vpmaddwd: pairs of products summed into
/// one int32, then added; or AVX-VNNI's vpdpwssd, the same sum fused). Exact only when the caller has
/// proved that every partial sum fits int32 (<see cref="FastLinear"/> checks max|x| sum|w| &lt; 2^31 at
/// Prepare and |x| &lt;= max|x| when it packs the input). Lengths are multiples of 32 (zero padded).</summary>
internal static class Dot16
{
    public const int Pad = 32;   // shorts per Vector512

    /// <summary>Four rows at once against one x (the x loads are shared): r[0..3] = w_row(j+q) . x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Dot4(VectorWidth width, ReadOnlySpan<short> x, ReadOnlySpan<short> w, int stride, Span<int> r)
    {
        switch (width)
        {
            case VectorWidth.V512: Dot4V512(x, w, stride, r); break;
            case VectorWidth.V256: Dot4V256(x, w, stride, r); break;
            default: Dot4V128(x, w, stride, r); break;
        }
    }

    /// <summary>One row: w . x (the tail rows of a layer whose row count is not a multiple of 4).</summary>
    public static int Dot1(VectorWidth width, ReadOnlySpan<short> x, ReadOnlySpan<short> w)
    {
        ref short xr = ref MemoryMarshal.GetReference(x), wr = ref MemoryMarshal.GetReference(w);
        int n = x.Length;
        switch (width)
        {
            case VectorWidth.V512:
            {
                var acc = Vector512<int>.Zero;
                for (int i = 0; i < n; i += 32)
                    acc += Avx512BW.MultiplyAddAdjacent(Vector512.LoadUnsafe(ref xr, (nuint)i), Vector512.LoadUnsafe(ref wr, (nuint)i));
                return Vector512.Sum(acc);
            }
            case VectorWidth.V256:
            {
                var acc = Vector256<int>.Zero;
                for (int i = 0; i < n; i += 16) acc = Mad(acc, Vector256.LoadUnsafe(ref xr, (nuint)i), Vector256.LoadUnsafe(ref wr, (nuint)i));
                return Vector256.Sum(acc);
            }
            default:
            {
                var acc = Vector128<int>.Zero;
                for (int i = 0; i < n; i += 8) acc = Mad(acc, Vector128.LoadUnsafe(ref xr, (nuint)i), Vector128.LoadUnsafe(ref wr, (nuint)i));
                return Vector128.Sum(acc);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Mad(Vector256<int> acc, Vector256<short> a, Vector256<short> b) =>
        AvxVnni.IsSupported ? AvxVnni.MultiplyWideningAndAdd(acc, a, b) : acc + Avx2.MultiplyAddAdjacent(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> Mad(Vector128<int> acc, Vector128<short> a, Vector128<short> b) =>
        AvxVnni.IsSupported ? AvxVnni.MultiplyWideningAndAdd(acc, a, b) : acc + Sse2.MultiplyAddAdjacent(a, b);

    private static void Dot4V512(ReadOnlySpan<short> x, ReadOnlySpan<short> w, int stride, Span<int> r)
    {
        ref short xr = ref MemoryMarshal.GetReference(x), wr = ref MemoryMarshal.GetReference(w);
        nuint s = (nuint)stride;
        Vector512<int> a0 = default, a1 = default, a2 = default, a3 = default;
        for (nuint i = 0; i < (nuint)x.Length; i += 32)
        {
            var xv = Vector512.LoadUnsafe(ref xr, i);
            a0 += Avx512BW.MultiplyAddAdjacent(xv, Vector512.LoadUnsafe(ref wr, i));
            a1 += Avx512BW.MultiplyAddAdjacent(xv, Vector512.LoadUnsafe(ref wr, i + s));
            a2 += Avx512BW.MultiplyAddAdjacent(xv, Vector512.LoadUnsafe(ref wr, i + 2 * s));
            a3 += Avx512BW.MultiplyAddAdjacent(xv, Vector512.LoadUnsafe(ref wr, i + 3 * s));
        }
        r[0] = Vector512.Sum(a0); r[1] = Vector512.Sum(a1); r[2] = Vector512.Sum(a2); r[3] = Vector512.Sum(a3);
    }

    private static void Dot4V256(ReadOnlySpan<short> x, ReadOnlySpan<short> w, int stride, Span<int> r)
    {
        ref short xr = ref MemoryMarshal.GetReference(x), wr = ref MemoryMarshal.GetReference(w);
        nuint s = (nuint)stride;
        Vector256<int> a0 = default, a1 = default, a2 = default, a3 = default;
        for (nuint i = 0; i < (nuint)x.Length; i += 16)
        {
            var xv = Vector256.LoadUnsafe(ref xr, i);
            a0 = Mad(a0, xv, Vector256.LoadUnsafe(ref wr, i));
            a1 = Mad(a1, xv, Vector256.LoadUnsafe(ref wr, i + s));
            a2 = Mad(a2, xv, Vector256.LoadUnsafe(ref wr, i + 2 * s));
            a3 = Mad(a3, xv, Vector256.LoadUnsafe(ref wr, i + 3 * s));
        }
        r[0] = Vector256.Sum(a0); r[1] = Vector256.Sum(a1); r[2] = Vector256.Sum(a2); r[3] = Vector256.Sum(a3);
    }

    private static void Dot4V128(ReadOnlySpan<short> x, ReadOnlySpan<short> w, int stride, Span<int> r)
    {
        ref short xr = ref MemoryMarshal.GetReference(x), wr = ref MemoryMarshal.GetReference(w);
        nuint s = (nuint)stride;
        Vector128<int> a0 = default, a1 = default, a2 = default, a3 = default;
        for (nuint i = 0; i < (nuint)x.Length; i += 8)
        {
            var xv = Vector128.LoadUnsafe(ref xr, i);
            a0 = Mad(a0, xv, Vector128.LoadUnsafe(ref wr, i));
            a1 = Mad(a1, xv, Vector128.LoadUnsafe(ref wr, i + s));
            a2 = Mad(a2, xv, Vector128.LoadUnsafe(ref wr, i + 2 * s));
            a3 = Mad(a3, xv, Vector128.LoadUnsafe(ref wr, i + 3 * s));
        }
        r[0] = Vector128.Sum(a0); r[1] = Vector128.Sum(a1); r[2] = Vector128.Sum(a2); r[3] = Vector128.Sum(a3);
    }
}
