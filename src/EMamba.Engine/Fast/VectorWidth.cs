using System.Runtime.Intrinsics.X86;

namespace EMamba.Engine.Fast;

/// <summary>The SIMD width the fast path's dot products use. Every width gives the same codes (the
/// tests prove it); a narrower one can be forced to check that, or to compare speeds.</summary>
public enum VectorWidth { Scalar, V128, V256, V512 }

public static class VectorWidths
{
    /// <summary>The widest width this CPU accelerates (V512 needs AVX-512 BW, V256 AVX2, V128 SSE2).</summary>
    public static VectorWidth Best => Supported(VectorWidth.V512) ? VectorWidth.V512 : Supported(VectorWidth.V256) ? VectorWidth.V256
        : Supported(VectorWidth.V128) ? VectorWidth.V128 : VectorWidth.Scalar;

    public static bool Supported(VectorWidth w) => w switch
    {
        VectorWidth.V512 => Avx512BW.IsSupported,
        VectorWidth.V256 => Avx2.IsSupported,
        VectorWidth.V128 => Sse2.IsSupported,
        _ => true,
    };

    /// <summary>The requested width, or the widest supported one below it on a CPU without it.</summary>
    public static VectorWidth Resolve(VectorWidth requested)
    {
        var w = requested;
        while (w > VectorWidth.Scalar && !Supported(w)) w--;
        return w;
    }

    /// <summary>Whether the int16 dot products use AVX-VNNI's fused multiply-add (vpdpwssd) at 128/256 bits.
    /// .NET 10 exposes no 512-bit VNNI for AVX512-VNNI CPUs (only AvxVnniInt8/Int16.V512, AVX10), so V512
    /// uses vpmaddwd + vpaddd, which is the same exact arithmetic.</summary>
    public static bool Vnni(VectorWidth w) => w is VectorWidth.V128 or VectorWidth.V256 && AvxVnni.IsSupported;
}
