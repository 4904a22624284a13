using System.Runtime.InteropServices;

namespace EMamba.Core;

/// <summary>One named tensor: dtype, shape and little-endian bytes (as stored in safetensors).</summary>
public sealed class TensorData
{
    public string Name { get; }
    public TensorDType DType { get; }
    public long[] Shape { get; }
    public byte[] Bytes { get; }
    public long ElementCount { get; }

    public TensorData(string name, TensorDType dtype, long[] shape, byte[] bytes)
    {
        long count = 1;
        foreach (var d in shape)
        {
            if (d < 0) throw new ArgumentException($"tensor '{name}': negative dimension in [{string.Join(",", shape)}]");
            count = checked(count * d);
        }
        if (checked(count * dtype.Size()) != bytes.Length)
            throw new ArgumentException($"tensor '{name}': {bytes.Length} bytes do not hold [{string.Join(",", shape)}] of {dtype.Name()}");
        Name = name; DType = dtype; Shape = shape; Bytes = bytes; ElementCount = count;
    }

    private static TensorData From<T>(string name, TensorDType dt, T[] data, long[] shape) where T : unmanaged =>
        new(name, dt, shape.Length == 0 && data.Length != 1 ? [data.Length] : shape, MemoryMarshal.AsBytes(data.AsSpan()).ToArray());

    // Factories; an empty shape means a 1-D tensor of the data's length. (Little-endian host assumed:
    // x86-64 and ARM64 both are; BitConverter.IsLittleEndian is checked at load.)
    public static TensorData FromFloat(string name, float[] data, params long[] shape) => From(name, TensorDType.F32, data, shape);
    public static TensorData FromDouble(string name, double[] data, params long[] shape) => From(name, TensorDType.F64, data, shape);
    public static TensorData FromInt8(string name, sbyte[] data, params long[] shape) => From(name, TensorDType.I8, data, shape);
    public static TensorData FromInt16(string name, short[] data, params long[] shape) => From(name, TensorDType.I16, data, shape);
    public static TensorData FromInt32(string name, int[] data, params long[] shape) => From(name, TensorDType.I32, data, shape);
    public static TensorData FromInt64(string name, long[] data, params long[] shape) => From(name, TensorDType.I64, data, shape);

    private T[] As<T>(TensorDType want) where T : unmanaged =>
        DType == want ? MemoryMarshal.Cast<byte, T>(Bytes).ToArray()
            : throw new InvalidDataException($"tensor '{Name}' is {DType.Name()}, not {want.Name()}");

    /// <summary>F32 as is; F64, F16 and BF16 converted to float.</summary>
    public float[] AsFloat() => DType switch
    {
        TensorDType.F32 => As<float>(TensorDType.F32),
        TensorDType.F64 => Array.ConvertAll(As<double>(TensorDType.F64), v => (float)v),
        TensorDType.F16 => Array.ConvertAll(As<Half>(TensorDType.F16), v => (float)v),
        TensorDType.BF16 => Array.ConvertAll(MemoryMarshal.Cast<byte, ushort>(Bytes).ToArray(), v => BitConverter.Int32BitsToSingle(v << 16)),
        _ => throw new InvalidDataException($"tensor '{Name}' is {DType.Name()}, not a floating-point type"),
    };

    public double[] AsDouble() => As<double>(TensorDType.F64);
    public sbyte[] AsInt8() => As<sbyte>(TensorDType.I8);
    public short[] AsInt16() => As<short>(TensorDType.I16);
    public int[] AsInt32() => As<int>(TensorDType.I32);
    public long[] AsInt64() => As<long>(TensorDType.I64);
}
