namespace EMamba.Core;

/// <summary>Element types of safetensors files. <see cref="TensorDTypes.Name"/> gives the format's
/// dtype string ("F32", "BF16", "BOOL", ...). All data is little-endian; BOOL is one byte per element.</summary>
public enum TensorDType { F64, F32, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8, Bool }

public static class TensorDTypes
{
    /// <summary>Every dtype, in declaration order.</summary>
    public static readonly IReadOnlyList<TensorDType> All = Enum.GetValues<TensorDType>();

    /// <summary>Bytes per element.</summary>
    public static int Size(this TensorDType t) => t switch
    {
        TensorDType.F64 or TensorDType.I64 or TensorDType.U64 => 8,
        TensorDType.F32 or TensorDType.I32 or TensorDType.U32 => 4,
        TensorDType.F16 or TensorDType.BF16 or TensorDType.I16 or TensorDType.U16 => 2,
        TensorDType.I8 or TensorDType.U8 or TensorDType.Bool => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(t), t, "not a tensor dtype"),
    };

    /// <summary>The dtype string of the safetensors header.</summary>
    public static string Name(this TensorDType t) => t switch
    {
        TensorDType.Bool => "BOOL",
        _ when Enum.IsDefined(t) => t.ToString(),
        _ => throw new ArgumentOutOfRangeException(nameof(t), t, "not a tensor dtype"),
    };

    public static bool IsFloatingPoint(this TensorDType t) =>
        t is TensorDType.F64 or TensorDType.F32 or TensorDType.F16 or TensorDType.BF16;

    /// <summary>Parses a header dtype string; exact and case-sensitive, as in the format.</summary>
    public static bool TryParse(string s, out TensorDType t)
    {
        foreach (var v in All)
            if (v.Name() == s) { t = v; return true; }
        t = default;
        return false;
    }
}
