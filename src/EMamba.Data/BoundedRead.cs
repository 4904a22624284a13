using System.IO.Compression;
using EMamba.Core;

namespace EMamba.Data;

/// <summary>Reads files whose size a header claims, without trusting the claim: a stream is read in
/// chunks and fails as soon as it ends early, and nothing larger than a cap is ever allocated.</summary>
internal static class BoundedRead
{
    public const long MaxBytes = 2L << 30;

    /// <summary>Opens a file, transparently un-gzipping it when it starts with the gzip magic.</summary>
    public static Stream Open(string path)
    {
        if (!File.Exists(path)) throw new EMambaException($"{path}: file not found");
        var fs = File.OpenRead(path);
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
        // Grow in steps so a lying header on a short gzip stream never allocates its full claim up front.
        var chunks = new List<byte[]>();
        long got = 0;
        while (got < count)
        {
            var chunk = new byte[(int)Math.Min(count - got, 16 << 20)];
            int n = 0;
            while (n < chunk.Length)
            {
                int r = s.Read(chunk, n, chunk.Length - n);
                if (r == 0) throw new FileFormatException(path, offset + got + n, $"{what}: file ends after {got + n} of {count} bytes (truncated?)");
                n += r;
            }
            chunks.Add(chunk);
            got += n;
        }
        if (chunks.Count == 1) return chunks[0];
        var all = new byte[count];
        long o = 0;
        foreach (var c in chunks) { Buffer.BlockCopy(c, 0, all, (int)o, c.Length); o += c.Length; }
        return all;
    }
}
