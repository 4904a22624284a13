using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using EMamba.Core;

namespace EMamba.Data;

/// <summary>A NumPy array read into C order as doubles, with its original dtype and layout.</summary>
public sealed record NpyArray(int[] Shape, double[] Data, string Descr, bool WasFortran)
{
    public float[] ToFloat32() => Array.ConvertAll(Data, v => (float)v);
}

/// <summary>NumPy .npy files, versions 1 to 3: little-endian numeric dtypes, C or Fortran order
/// (Fortran data is transposed to C order on read). The header is parsed strictly.</summary>
public static partial class Npy
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    [GeneratedRegex(@"^\{\s*'descr':\s*'([^']*)',\s*'fortran_order':\s*(True|False),\s*'shape':\s*\(([^)]*)\),?\s*\}\s*$")]
    private static partial Regex HeaderRegex();

    public static NpyArray Read(string path)
    {
        if (!File.Exists(path)) throw new EMambaException($"{path}: file not found");
        using var s = File.OpenRead(path);
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
        if (headerLen > 1 << 20) throw new FileFormatException(path, 8, $"NPY header length {headerLen} is implausibly large");
        var headerBytes = BoundedRead.Exactly(s, headerLen, path, headerStart, "NPY header");
        string header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(headerBytes).TrimEnd('\n', ' ', '\0');
        var m = HeaderRegex().Match(header);
        if (!m.Success) throw new FileFormatException(path, headerStart, $"NPY header is not a dict of descr, fortran_order, shape: {header}");
        string descr = m.Groups[1].Value;
        bool fortran = m.Groups[2].Value == "True";
        var dims = m.Groups[3].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var shape = new int[dims.Length];
        long count = 1;
        for (int i = 0; i < dims.Length; i++)
        {
            if (!int.TryParse(dims[i], NumberStyles.None, CultureInfo.InvariantCulture, out shape[i]))
                throw new FileFormatException(path, headerStart, $"NPY shape entry '{dims[i]}' is not a non-negative integer");
            count = checked(count * shape[i]);
        }
        int size = ElementSize(descr, path, headerStart);
        long dataStart = headerStart + headerLen;
        if (count * size > BoundedRead.MaxBytes) throw new FileFormatException(path, headerStart, $"NPY shape claims {count * size} bytes, over the {BoundedRead.MaxBytes}-byte limit");
        if (s.Length - dataStart != count * size)
            throw new FileFormatException(path, dataStart, $"NPY data should be {count * size} bytes for shape ({string.Join(", ", shape)}) of {descr}, file has {s.Length - dataStart}");
        var raw = BoundedRead.Exactly(s, count * size, path, dataStart, "NPY data");
        var data = Decode(raw, descr, (int)count);
        if (fortran && shape.Length > 1) data = FortranToC(data, shape);
        return new NpyArray(shape, data, descr, fortran);
    }

    private static int ElementSize(string descr, string path, long offset) => descr switch
    {
        "<f8" or "<i8" or "<u8" => 8,
        "<f4" or "<i4" or "<u4" => 4,
        "<i2" or "<u2" => 2,
        "|i1" or "|u1" or "|b1" => 1,
        _ when descr.StartsWith('>') => throw new FileFormatException(path, offset, $"big-endian dtype '{descr}' is not supported"),
        _ => throw new FileFormatException(path, offset, $"dtype '{descr}' is not supported"),
    };

    private static double[] Decode(byte[] raw, string descr, int count)
    {
        var d = new double[count];
        var r = raw.AsSpan();
        for (int i = 0; i < count; i++)
            d[i] = descr switch
            {
                "<f8" => BinaryPrimitives.ReadDoubleLittleEndian(r[(8 * i)..]),
                "<f4" => BinaryPrimitives.ReadSingleLittleEndian(r[(4 * i)..]),
                "<i8" => BinaryPrimitives.ReadInt64LittleEndian(r[(8 * i)..]),
                "<u8" => BinaryPrimitives.ReadUInt64LittleEndian(r[(8 * i)..]),
                "<i4" => BinaryPrimitives.ReadInt32LittleEndian(r[(4 * i)..]),
                "<u4" => BinaryPrimitives.ReadUInt32LittleEndian(r[(4 * i)..]),
                "<i2" => BinaryPrimitives.ReadInt16LittleEndian(r[(2 * i)..]),
                "<u2" => BinaryPrimitives.ReadUInt16LittleEndian(r[(2 * i)..]),
                "|i1" => (sbyte)r[i],
                _ => r[i],   // |u1, |b1
            };
        return d;
    }

    // Fortran order: the first index varies fastest. Re-lay into C order (last index fastest).
    private static double[] FortranToC(double[] f, int[] shape)
    {
        var c = new double[f.Length];
        int rank = shape.Length;
        var idx = new int[rank];
        var fStride = new long[rank];
        fStride[0] = 1;
        for (int k = 1; k < rank; k++) fStride[k] = fStride[k - 1] * shape[k - 1];
        for (long ci = 0; ci < c.Length; ci++)
        {
            long fi = 0;
            for (int k = 0; k < rank; k++) fi += idx[k] * fStride[k];
            c[ci] = f[fi];
            for (int k = rank - 1; k >= 0 && ++idx[k] == shape[k]; k--) idx[k] = 0;
        }
        return c;
    }

    /// <summary>Writes a C-order float64 array (version 1.0), atomically.</summary>
    public static void Write(string path, int[] shape, double[] data) => Write(path, shape, "<f8", data.Length,
        (buf) => { for (int i = 0; i < data.Length; i++) BinaryPrimitives.WriteDoubleLittleEndian(buf.AsSpan(8 * i), data[i]); }, 8);

    /// <summary>Writes a C-order float32 array (version 1.0), atomically.</summary>
    public static void Write(string path, int[] shape, float[] data) => Write(path, shape, "<f4", data.Length,
        (buf) => { for (int i = 0; i < data.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(buf.AsSpan(4 * i), data[i]); }, 4);

    private static void Write(string path, int[] shape, string descr, int count, Action<byte[]> fill, int size)
    {
        if (shape.Aggregate(1L, (a, b) => a * b) != count) throw new ArgumentException($"shape ({string.Join(",", shape)}) does not hold {count} elements");
        string dims = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape);
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({dims}), }}";
        int total = 10 + dict.Length + 1;
        dict += new string(' ', (64 - total % 64) % 64) + "\n";
        var header = Encoding.Latin1.GetBytes(dict);
        var body = new byte[count * size];
        fill(body);
        AtomicFile.Write(path, s =>
        {
            s.Write(Magic);
            s.Write([1, 0]);
            var len = new byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(len, (ushort)header.Length);
            s.Write(len);
            s.Write(header);
            s.Write(body);
        });
    }
}
