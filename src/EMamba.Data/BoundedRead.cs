using System.IO.Compression;
using EMamba.Core;

namespace EMamba.Data;

/// <summary>Reads files whose size a header claims, without trusting the claim: a stream is read in
/// chunks and fails as soon as it ends early, and nothing larger than a cap is ever allocated.</summary>
internal static class BoundedRead
{
    /// <summary>The largest byte array .NET can hold (just under 2 GiB); any larger claim is a bad header.</summary>
    public static readonly long MaxBytes = Array.MaxLength;

    private const int Chunk = 16 << 20;

    /// <summary>Opens a file, transparently un-gzipping it when it starts with the gzip magic 1f 8b
    /// (the extension is not trusted). Offsets in errors are then offsets in the decompressed data.</summary>
    public static Stream Open(string path)
    {
        var fs = UserFile.OpenRead(path);
        int b0 = fs.ReadByte(), b1 = fs.ReadByte();
        fs.Position = 0;
        return b0 == 0x1f && b1 == 0x8b ? new GZipStream(fs, CompressionMode.Decompress) : fs;
    }

    /// <summary>Exactly <paramref name="count"/> bytes or a <see cref="FileFormatException"/> naming the offset.</summary>
    public static byte[] Exactly(Stream s, long count, string path, long offset, string what)
    {
        if (count < 0 || count > MaxBytes)
            throw new FileFormatException(path, offset, $"{what}: {count} bytes is outside the supported range (0..{MaxBytes})");
        if (s.CanSeek && s.Length - s.Position < count)
            throw new FileFormatException(path, offset, $"{what}: needs {count} bytes but the file has {s.Length - s.Position} left (truncated?)");
        // Grow in chunks so a lying header on a short gzip stream never allocates its full claim up front.
        var chunks = new List<byte[]>();
        long got = 0;
        while (got < count)
        {
            var chunk = new byte[(int)Math.Min(count - got, Chunk)];
            int n = 0;
            while (n < chunk.Length)
            {
                int r = Read(s, chunk.AsSpan(n), path, offset + got + n);
                if (r == 0) throw new FileFormatException(path, offset + got + n, $"{what}: file ends after {got + n} of {count} bytes (truncated?)");
                n += r;
            }
            chunks.Add(chunk);
            got += n;
        }
        if (chunks.Count == 1) return chunks[0];
        var all = new byte[count];
        long o = 0;
        foreach (var c in chunks) { c.CopyTo(all.AsSpan((int)o)); o += c.Length; }
        return all;
    }

    /// <summary>Fails when bytes follow the data a header described: such a file is not what it claims to be.</summary>
    public static void ExpectEnd(Stream s, string path, long offset, string what)
    {
        Span<byte> one = stackalloc byte[1];
        if (Read(s, one, path, offset) != 0)
            throw new FileFormatException(path, offset, $"expected the end of the file after {what}, found more bytes");
    }

    // A corrupt gzip stream surfaces as InvalidDataException; report it like any other bad byte.
    private static int Read(Stream s, Span<byte> into, string path, long offset)
    {
        try { return s.Read(into); }
        catch (InvalidDataException e) { throw new FileFormatException(path, offset, $"corrupt gzip data ({e.Message})"); }
    }
}
