using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace EMamba.Data.Tests;

/// <summary>Writers for small files in the real formats (IDX, CIFAR binary, PNG, archives, NPY headers).</summary>
public static class TestFiles
{
    public static string TempDir() => Directory.CreateTempSubdirectory("emamba-data-").FullName;

    public static byte[] Idx(byte[] data, params int[] dims)
    {
        var h = new byte[4 + 4 * dims.Length];
        h[2] = 0x08; h[3] = (byte)dims.Length;
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(h.AsSpan(4 + 4 * i), dims[i]);
        return [.. h, .. data];
    }

    public static byte[] Gzip(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest)) gz.Write(data);
        return ms.ToArray();
    }

    /// <summary>An 8-bit RGB PNG (filter 0 on every row, zlib-compressed).</summary>
    public static byte[] Png(int w, int h, Func<int, int, (byte R, byte G, byte B)> pixel)
    {
        var raw = new MemoryStream();
        for (int y = 0; y < h; y++)
        {
            raw.WriteByte(0);
            for (int x = 0; x < w; x++) { var (r, g, b) = pixel(x, y); raw.WriteByte(r); raw.WriteByte(g); raw.WriteByte(b); }
        }
        var z = new MemoryStream();
        using (var zs = new ZLibStream(z, CompressionLevel.Fastest)) zs.Write(raw.ToArray());
        var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, w);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), h);
        ihdr[8] = 8; ihdr[9] = 2;
        Chunk(png, "IHDR", ihdr);
        Chunk(png, "IDAT", z.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Chunk(Stream s, string type, byte[] data)
    {
        var len = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(len, data.Length);
        s.Write(len);
        var td = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        s.Write(td);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(td));
        s.Write(crc);
    }

    private static uint Crc32(byte[] data)
    {
        uint c = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            c ^= b;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
        }
        return ~c;
    }

    /// <summary>A .npy v1.0 file with the given header dict and raw data bytes.</summary>
    public static byte[] NpyRaw(string dict, byte[] data)
    {
        int total = 10 + dict.Length + 1;
        string padded = dict + new string(' ', (64 - total % 64) % 64) + "\n";
        var h = Encoding.Latin1.GetBytes(padded);
        var pre = new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)(h.Length & 0xff), (byte)(h.Length >> 8) };
        return [.. pre, .. h, .. data];
    }
}
