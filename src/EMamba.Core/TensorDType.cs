namespace EMamba.Core;

/// <summary>Element types of safetensors files (the names are the format's dtype strings).</summary>
public enum TensorDType { F64, F32, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8, Bool }

public static class TensorDTypes
{
    public static int Size(this TensorDType t) => t switch
    {
        TensorDType.F64 or TensorDType.I64 or TensorDType.U64 => 8,
        TensorDType.F32 or TensorDType.I32 or TensorDType.U32 => 4,
        TensorDType.F16 or TensorDType.BF16 or TensorDType.I16 or TensorDType.U16 => 2,
        _ => 1,
    };

    public static string Name(this TensorDType t) => t.ToString().ToUpperInvariant();

    public static bool TryParse(string s, out TensorDType t)
    {
        foreach (var v in Enum.GetValues<TensorDType>())
            if (v.Name() == s) { t = v; return true; }
        t = default;
        return false;
    }
}
