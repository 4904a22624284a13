using System.Buffers.Binary;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text;

namespace EMamba.Data.Tests;

/// <summary>Writers for small files in the real formats (IDX, PNG, tar/zip archives, NPY headers)
/// and the location of the optional full data sets.</summary>
public static class TestFiles
{
    public static string TempDir() => Directory.CreateTempSubdirectory("emamba-data-").FullName;

    /// <summary>A path under the shared data folder (found by walking up from the test binary), or null when absent.</summary>
    public static string? SharedData(string relative)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string p = Path.Combine(d.FullName, "shared", "data", relative);
            if (File.Exists(p)) return p;
        }
        return null;
    }

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

    /// <summary>An 8-bit RGB PNG (colour type 2).</summary>
    public static byte[] Png(int w, int h, Func<int, int, (byte R, byte G, byte B)> pixel) =>
        Png(w, h, 2, (x, y) => { var (r, g, b) = pixel(x, y); return [r, g, b]; });

    /// <summary>An 8-bit greyscale PNG (colour type 0).</summary>
    public static byte[] PngGrey(int w, int h, Func<int, int, byte> pixel) => Png(w, h, 0, (x, y) => [pixel(x, y)]);

    // Filter 0 on every row, zlib-compressed IDAT, CRC-32 per chunk: the minimum a decoder accepts.
    private static byte[] Png(int w, int h, byte colourType, Func<int, int, byte[]> pixel)
    {
        var raw = new MemoryStream();
        for (int y = 0; y < h; y++)
        {
            raw.WriteByte(0);
            for (int x = 0; x < w; x++) raw.Write(pixel(x, y));
        }
        var z = new MemoryStream();
        using (var zs = new ZLibStream(z, CompressionLevel.Fastest)) zs.Write(raw.ToArray());
        var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, w);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), h);
        ihdr[8] = 8; ihdr[9] = colourType;
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

    /// <summary>A tar archive of the entries, gzip-compressed unless <paramref name="gzip"/> is false.</summary>
    public static void Tar(string path, IEnumerable<(string Name, byte[] Bytes)> entries, bool gzip = true)
    {
        using var fs = File.Create(path);
        using var gz = gzip ? new GZipStream(fs, CompressionLevel.Fastest) : null;
        using var tar = new TarWriter(gz ?? (Stream)fs);
        foreach (var (name, bytes) in entries)
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(bytes) });
    }

    public static void Zip(string path, IEnumerable<(string Name, byte[] Bytes)> entries)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, bytes) in entries)
        {
            using var s = zip.CreateEntry(name).Open();
            s.Write(bytes);
        }
    }

    /// <summary>A .npy file with the given header dict and raw data bytes (version 1.0 unless told).</summary>
    public static byte[] NpyRaw(string dict, byte[] data, int major = 1)
    {
        int pre = major == 1 ? 10 : 12;
        int total = pre + dict.Length + 1;
        var h = Encoding.Latin1.GetBytes(dict + new string(' ', (64 - total % 64) % 64) + "\n");
        var head = new byte[pre];
        byte[] magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)major, 0];
        magic.CopyTo(head, 0);
        if (major == 1) BinaryPrimitives.WriteUInt16LittleEndian(head.AsSpan(8), (ushort)h.Length);
        else BinaryPrimitives.WriteUInt32LittleEndian(head.AsSpan(8), (uint)h.Length);
        return [.. head, .. h, .. data];
    }
}
