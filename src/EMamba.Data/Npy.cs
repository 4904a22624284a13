using System.Buffers.Binary;
using System.Text;
using EMamba.Core;

namespace EMamba.Data;

/// <summary>A NumPy array read into C order (last index fastest) as doubles, with its original
/// dtype string and layout.</summary>
public sealed record NpyArray(int[] Shape, double[] Data, string Descr, bool WasFortran)
{
    public float[] ToFloat32() => Array.ConvertAll(Data, v => (float)v);
}

/// <summary>NumPy .npy files, versions 1.0 to 3.0: little-endian numeric dtypes, C or Fortran order
/// (Fortran data is re-laid into C order on read). Layout: magic \x93NUMPY, major, minor, header
/// length (uint16 in v1, uint32 in v2/v3), the header dict (see <see cref="NpyHeader"/>), raw data.</summary>
public static class Npy
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    // Real headers are a few hundred bytes; a larger claim is a corrupt length field.
    private const int MaxHeader = 1 << 20;

    public static NpyArray Read(string path)
    {
        using var s = UserFile.OpenRead(path);
        var pre = BoundedRead.Exactly(s, 10, path, 0, "NPY preamble");
        if (!pre.AsSpan(0, 6).SequenceEqual(Magic)) throw new FileFormatException(path, 0, "not a .npy file (magic \\x93NUMPY missing)");
        int major = pre[6];
        long headerLen;
        int headerStart;
        if (major == 1) { headerLen = BinaryPrimitives.ReadUInt16LittleEndian(pre.AsSpan(8)); headerStart = 10; }
        else if (major is 2 or 3)
        {
            var more = BoundedRead.Exactly(s, 2, path, 10, "NPY header length");
            headerLen = BinaryPrimitives.ReadUInt32LittleEndian([pre[8], pre[9], more[0], more[1]]);
            headerStart = 12;
        }
        else throw new FileFormatException(path, 6, $"NPY version {major}.{pre[7]} is not supported (1.0 to 3.0)");
        if (headerLen > MaxHeader) throw new FileFormatException(path, 8, $"NPY header length {headerLen} is over the {MaxHeader}-byte limit (corrupt length?)");
        var headerBytes = BoundedRead.Exactly(s, headerLen, path, headerStart, "NPY header");
        // v3 allows UTF-8 in the header (field names); v1 and v2 are Latin-1.
        string text = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(headerBytes);
        var header = NpyHeader.Parse(text, path, headerStart);

        int size = ElementSize(header.Descr, path, headerStart);
        long count = 1;
        foreach (int d in header.Shape)
        {
            count *= d;   // d < 2^31 and count <= cap before this step, so no overflow
            if (count * size > BoundedRead.MaxBytes)
                throw new FileFormatException(path, headerStart, $"NPY shape ({string.Join(", ", header.Shape)}) claims more than {BoundedRead.MaxBytes} bytes");
        }
        long dataStart = headerStart + headerLen;
        if (s.Length - dataStart != count * size)
            throw new FileFormatException(path, dataStart,
                $"NPY data should be {count * size} bytes for shape ({string.Join(", ", header.Shape)}) of {header.Descr}, file has {s.Length - dataStart}");
        var raw = BoundedRead.Exactly(s, count * size, path, dataStart, "NPY data");
        var data = Decode(raw, header.Descr, (int)count);
        if (header.FortranOrder && header.Shape.Length > 1) data = FortranToC(data, header.Shape);
        return new NpyArray(header.Shape, data, header.Descr, header.FortranOrder);
    }

    private static int ElementSize(string descr, string path, long offset) => descr switch
    {
        "<f8" or "<i8" or "<u8" => 8,
        "<f4" or "<i4" or "<u4" => 4,
        "<i2" or "<u2" => 2,
        "|i1" or "|u1" or "|b1" => 1,
        _ when descr.StartsWith('>') => throw new FileFormatException(path, offset, $"big-endian dtype '{descr}' is not supported (save with '<' byte order)"),
        _ => throw new FileFormatException(path, offset, $"dtype '{descr}' is not supported (<f8 <f4 <i8 <i4 <i2 |i1 |u1 <u2 <u4 <u8 |b1)"),
    };

    private static double[] Decode(byte[] raw, string descr, int count)
    {
        var d = new double[count];
        var r = raw.AsSpan();
        switch (descr)
        {
            case "<f8": for (int i = 0; i < count; i++) d[i] = BinaryPrimitives.ReadDoubleLittleEndian(r[(8 * i)..]); break;
            case "<f4": for (int i = 0; i < count; i++) d[i] = BinaryPrimitives.ReadSingleLittleEndian(r[(4 * i)..]); break;
            case "<i8": for (int i = 0; i < count; i++) d[i] = BinaryPrimitives.ReadInt64LittleEndian(r[(8 * i)..]); break;
            case "<u8": for (int i = 0; i < count; i++) d[i] = BinaryPrimitives.ReadUInt64LittleEndian(r[(8 * i)..]); break;
            case "<i4": for (int i = 0; i < count; i++) d[i] = BinaryPrimitives.ReadInt32LittleEndian(r[(4 * i)..]); break;
            case "<u4": for (int i = 0; i < count; i++) d[i] = BinaryPrimitives.ReadUInt32LittleEndian(r[(4 * i)..]); break;
            case "<i2": for (int i = 0; i < count; i++) d[i] = BinaryPrimitives.ReadInt16LittleEndian(r[(2 * i)..]); break;
            case "<u2": for (int i = 0; i < count; i++) d[i] = BinaryPrimitives.ReadUInt16LittleEndian(r[(2 * i)..]); break;
            case "|i1": for (int i = 0; i < count; i++) d[i] = (sbyte)r[i]; break;
            default: for (int i = 0; i < count; i++) d[i] = r[i]; break;   // |u1, |b1 (stored as 0/1)
        }
        return d;
    }

    // Fortran order: the first index varies fastest.
    private static double[] FortranToC(double[] f, int[] shape) => Relayout(f, shape, toFortran: false);

    private static T[] CToFortran<T>(T[] c, int[] shape) => shape.Length < 2 ? c : Relayout(c, shape, toFortran: true);

    // Walks the C-order index and the Fortran offset of the same multi-index together, copying
    // C -> Fortran or Fortran -> C.
    private static T[] Relayout<T>(T[] src, int[] shape, bool toFortran)
    {
        var dst = new T[src.Length];
        int rank = shape.Length;
        var idx = new int[rank];
        var fStride = new long[rank];
        fStride[0] = 1;
        for (int k = 1; k < rank; k++) fStride[k] = fStride[k - 1] * shape[k - 1];
        for (long ci = 0; ci < src.Length; ci++)
        {
            long fi = 0;
            for (int k = 0; k < rank; k++) fi += idx[k] * fStride[k];
            if (toFortran) dst[fi] = src[ci];
            else dst[ci] = src[fi];
            for (int k = rank - 1; k >= 0 && ++idx[k] == shape[k]; k--) idx[k] = 0;
        }
        return dst;
    }

    /// <summary>Writes a float64 array (version 1.0), atomically. <paramref name="data"/> is in C order
    /// (last index fastest); with <paramref name="fortranOrder"/> the file stores it column-major
    /// (first index fastest) and says so in its header, as <c>np.save</c> does for a Fortran array.</summary>
    public static void Write(string path, int[] shape, double[] data, bool fortranOrder = false) =>
        Write(path, shape, "<f8", 8, data.Length, fortranOrder, body =>
        {
            var d = fortranOrder ? CToFortran(data, shape) : data;
            for (int i = 0; i < d.Length; i++) BinaryPrimitives.WriteDoubleLittleEndian(body.AsSpan(8 * i), d[i]);
        });

    /// <summary>Writes a float32 array (version 1.0), atomically; C-order data, stored column-major
    /// when <paramref name="fortranOrder"/>.</summary>
    public static void Write(string path, int[] shape, float[] data, bool fortranOrder = false) =>
        Write(path, shape, "<f4", 4, data.Length, fortranOrder, body =>
        {
            var d = fortranOrder ? CToFortran(data, shape) : data;
            for (int i = 0; i < d.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(body.AsSpan(4 * i), d[i]);
        });


    private static void Write(string path, int[] shape, string descr, int size, int count, bool fortranOrder, Action<byte[]> fill)
    {
        if (shape.Any(d => d < 0) || shape.Aggregate(1L, (a, b) => a * b) != count)
            throw new ArgumentException($"shape ({string.Join(", ", shape)}) does not hold {count} elements");
        if ((long)count * size > BoundedRead.MaxBytes) throw new ArgumentException($"{count} elements of {size} bytes exceed one array");
        // Python tuple syntax: (n,) for rank 1, () for a scalar.
        string dims = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape);
        string dict = $"{{'descr': '{descr}', 'fortran_order': {(fortranOrder ? "True" : "False")}, 'shape': ({dims}), }}";
        // NumPy pads the header with spaces so the data starts on a 64-byte boundary.
        int total = 10 + dict.Length + 1;
        var header = Encoding.Latin1.GetBytes(dict + new string(' ', (64 - total % 64) % 64) + "\n");
        if (header.Length > ushort.MaxValue) throw new ArgumentException($"a rank-{shape.Length} shape does not fit a version 1.0 header");
        var body = new byte[count * size];
        fill(body);
        AtomicFile.Write(path, s =>
        {
            s.Write(Magic);
            s.Write([1, 0]);
            Span<byte> len = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(len, (ushort)header.Length);
            s.Write(len);
            s.Write(header);
            s.Write(body);
        });
    }
}
