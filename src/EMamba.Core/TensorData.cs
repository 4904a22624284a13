using System.Runtime.InteropServices;

namespace EMamba.Core;

/// <summary>One named tensor as stored in safetensors: dtype, shape (row-major; empty = scalar) and
/// the raw little-endian bytes. <see cref="Bytes"/> is shared, not copied: do not mutate it after
/// handing the tensor to a writer.</summary>
public sealed class TensorData
{
    public string Name { get; }
    public TensorDType DType { get; }
    public long[] Shape { get; }
    public byte[] Bytes { get; }
    /// <summary>Product of <see cref="Shape"/> (1 for a scalar, 0 if any dimension is 0).</summary>
    public long ElementCount { get; }
    /// <summary>The file this tensor was read from (used in error messages); null if built in memory.</summary>
    public string? Source { get; }

    /// <summary>A tensor from raw little-endian bytes; their length must be
    /// <c>product(shape) * dtype.Size()</c>.</summary>
    public TensorData(string name, TensorDType dtype, long[] shape, byte[] bytes) : this(name, dtype, shape, bytes, null) { }

    internal TensorData(string name, TensorDType dtype, long[] shape, byte[] bytes, string? source)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(bytes);
        if (!Enum.IsDefined(dtype)) throw new ArgumentOutOfRangeException(nameof(dtype), dtype, $"tensor '{name}': not a tensor dtype");
        long count = CountElements(shape) ?? throw new ArgumentException(
            $"tensor '{name}': shape [{string.Join(",", shape)}] has a negative dimension or more than 2^63 elements", nameof(shape));
        if (count > bytes.Length || count * dtype.Size() != bytes.Length)
            throw new ArgumentException($"tensor '{name}': {bytes.Length} bytes do not hold [{string.Join(",", shape)}] of {dtype.Name()} " +
                $"({count} x {dtype.Size()} bytes)", nameof(bytes));
        Name = name; DType = dtype; Shape = (long[])shape.Clone(); Bytes = bytes; ElementCount = count; Source = source;
    }

    /// <summary>Product of the dimensions, or null if one is negative or the product overflows a long.</summary>
    internal static long? CountElements(IReadOnlyList<long> shape)
    {
        long count = 1;
        foreach (var d in shape)
        {
            if (d < 0) return null;
            try { count = checked(count * d); }
            catch (OverflowException) { return null; }
        }
        return count;
    }

    // Factories copy the data. An empty shape means: a scalar if the data has one element, else a
    // 1-D tensor of the data's length. (Little-endian host assumed; x86-64 and ARM64 both are.)
    public static TensorData FromFloat(string name, float[] data, params long[] shape) => From(name, TensorDType.F32, data, shape);
    public static TensorData FromDouble(string name, double[] data, params long[] shape) => From(name, TensorDType.F64, data, shape);
    public static TensorData FromInt8(string name, sbyte[] data, params long[] shape) => From(name, TensorDType.I8, data, shape);
    public static TensorData FromInt16(string name, short[] data, params long[] shape) => From(name, TensorDType.I16, data, shape);
    public static TensorData FromInt32(string name, int[] data, params long[] shape) => From(name, TensorDType.I32, data, shape);
    public static TensorData FromInt64(string name, long[] data, params long[] shape) => From(name, TensorDType.I64, data, shape);

    private static TensorData From<T>(string name, TensorDType dt, T[] data, long[] shape) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        EnsureLittleEndian();
        return new(name, dt, shape.Length == 0 && data.Length != 1 ? [data.Length] : shape, MemoryMarshal.AsBytes(data.AsSpan()).ToArray());
    }

    // Typed getters return a fresh copy. A dtype other than the one asked for is an EMambaException
    // (exit code "bad input") naming the file, the tensor and both dtypes: no silent reinterpretation.
    public double[] AsDouble() => As<double>(TensorDType.F64);
    public sbyte[] AsInt8() => As<sbyte>(TensorDType.I8);
    public short[] AsInt16() => As<short>(TensorDType.I16);
    public int[] AsInt32() => As<int>(TensorDType.I32);
    public long[] AsInt64() => As<long>(TensorDType.I64);

    /// <summary>F32 as stored; F64 rounded to nearest float; F16 and BF16 widened exactly (BF16 is the
    /// top 16 bits of an F32). Any integer or BOOL dtype is an error.</summary>
    public float[] AsFloat() => DType switch
    {
        TensorDType.F32 => As<float>(TensorDType.F32),
        TensorDType.F64 => Array.ConvertAll(As<double>(TensorDType.F64), v => (float)v),
        TensorDType.F16 => Array.ConvertAll(As<Half>(TensorDType.F16), v => (float)v),
        TensorDType.BF16 => Array.ConvertAll(As<ushort>(TensorDType.BF16), v => BitConverter.Int32BitsToSingle(v << 16)),
        _ => throw Mismatch("F32, F64, F16 or BF16"),
    };

    private T[] As<T>(TensorDType want) where T : unmanaged
    {
        if (DType != want) throw Mismatch(want.Name());
        EnsureLittleEndian();
        return MemoryMarshal.Cast<byte, T>(Bytes).ToArray();
    }

    private EMambaException Mismatch(string wanted) =>
        new($"{(Source is null ? "" : Source + ": ")}tensor '{Name}' [{string.Join(",", Shape)}] is {DType.Name()}, expected {wanted}");

    internal static void EnsureLittleEndian()
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors I/O assumes a little-endian host");
    }

    public override string ToString() => $"{Name}: {DType.Name()}[{string.Join(",", Shape)}]";
}
