namespace EMamba.Core;

/// <summary>Writes go to a temp file beside the target and are renamed over it only when complete,
/// so a crash or a bad input never leaves a half-written output. A failed write (disk full,
/// read-only folder) is a one-line <see cref="EMambaException"/>; the previous file stays as it was.</summary>
public static class AtomicFile
{
    public static void Write(string path, Action<Stream> write) => Write(path, write, OpenTemp);

    /// <summary><paramref name="open"/> opens the temp file: the seam tests use to make writes fail like ENOSPC.</summary>
    internal static void Write(string path, Action<Stream> write, Func<string, Stream> open)
    {
        string full = Path.GetFullPath(path);
        string tmp = full + $".{Environment.ProcessId}.tmp";
        try
        {
            string? dir = Path.GetDirectoryName(full);
            if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
            try
            {
                using (var fs = open(tmp))
                {
                    write(fs);
                    fs.Flush();
                    if (fs is FileStream f) f.Flush(flushToDisk: true);
                }
                File.Move(tmp, full, overwrite: true);
            }
            catch
            {
                try { File.Delete(tmp); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
                throw;
            }
        }
        // The disposal flush can fail too (ENOSPC shows up there), so the catch wraps the using.
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EMambaException($"could not write {path}: {e.Message}", ExitCodes.Io, e);
        }
    }

    private static Stream OpenTemp(string tmp) => new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);

    public static void WriteAllText(string path, string text) =>
        Write(path, s => { using var w = new StreamWriter(s, leaveOpen: true); w.Write(text); });

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        byte[] copy = bytes.ToArray();
        Write(path, s => s.Write(copy));
    }
}
