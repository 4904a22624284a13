using System.Runtime.InteropServices;
using System.Text;

namespace EMamba.Core;

/// <summary>Opens files named by the user. A FIFO or device (/dev/zero) given as a model or config
/// would block on open or read without end, so anything but a regular file is refused before it is
/// opened, and whole-file reads are capped.</summary>
public static class UserFile
{
    /// <summary>The cap for configs, approx.json and other small JSON files.</summary>
    public const long MaxTextBytes = 16 << 20;

    /// <summary>Fails unless <paramref name="path"/> exists and is a regular file (symlinks followed).</summary>
    public static void RequireRegular(string path, string notFound = "file not found", int exitCode = ExitCodes.BadInput)
    {
        if (Directory.Exists(path)) throw new EMambaException($"{path}: not a regular file (it is a directory)", exitCode);
        if (!File.Exists(path)) throw new EMambaException($"{path}: {notFound}", exitCode);
        if (FileType(path) is uint t && t != RegularType)
            throw new EMambaException($"{path}: not a regular file ({TypeName(t)})", exitCode);
    }

    /// <summary>A read stream on a regular file; open failures become one-line errors.</summary>
    public static FileStream OpenRead(string path, string notFound = "file not found", int exitCode = ExitCodes.BadInput)
    {
        RequireRegular(path, notFound, exitCode);
        try { return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new EMambaException($"{path}: cannot open: {e.Message}", exitCode, e); }
    }

    /// <summary>The whole file, failing when it holds more than <paramref name="maxBytes"/>. The read itself
    /// stops at the cap, so a file that grows while being read cannot exhaust memory either.</summary>
    public static byte[] ReadAllBytes(string path, long maxBytes, string notFound = "file not found", int exitCode = ExitCodes.BadInput)
    {
        using var fs = OpenRead(path, notFound, exitCode);
        try
        {
            if (fs.Length > maxBytes) throw TooLarge(path, fs.Length, maxBytes, exitCode);
            var ms = new MemoryStream((int)fs.Length);
            var buf = new byte[1 << 16];
            int n;
            while ((n = fs.Read(buf)) > 0)
            {
                if (ms.Length + n > maxBytes) throw TooLarge(path, ms.Length + n, maxBytes, exitCode);
                ms.Write(buf, 0, n);
            }
            return ms.ToArray();
        }
        catch (IOException e) { throw new EMambaException($"{path}: read failed: {e.Message}", exitCode, e); }
    }

    /// <summary>The whole file as UTF-8 text (a BOM is dropped), at most <paramref name="maxBytes"/>.</summary>
    public static string ReadAllText(string path, long maxBytes = MaxTextBytes, string notFound = "file not found", int exitCode = ExitCodes.BadInput)
    {
        var bytes = ReadAllBytes(path, maxBytes, notFound, exitCode);
        int skip = bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble) ? Encoding.UTF8.Preamble.Length : 0;
        return Encoding.UTF8.GetString(bytes, skip, bytes.Length - skip);
    }

    private static EMambaException TooLarge(string path, long size, long max, int exitCode) =>
        new($"{path}: holds {(size > max ? "more than " + max : size.ToString())} bytes; at most {max} bytes ({max >> 20} MiB) are read from this kind of file", exitCode);

    // ---------------------------------------------------------------- file type

    private const uint TypeMask = 0xF000, RegularType = 0x8000;

    private static string TypeName(uint t) => t switch
    {
        0x1000 => "a FIFO", 0x2000 => "a character device", 0x6000 => "a block device",
        0xC000 => "a socket", 0x4000 => "a directory", _ => $"file type 0{Convert.ToString(t >> 12, 8)}",
    };

    // statx has one layout on every Linux architecture (unlike struct stat): stx_mode is the u16 at byte 28.
    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buf);

    private const int AtFdCwd = -100;
    private const uint StatxType = 0x1;

    /// <summary>The S_IFMT bits of the file, or null where they cannot be asked (not Linux, old libc):
    /// there the byte caps still bound what is read.</summary>
    private static uint? FileType(string path)
    {
        if (!OperatingSystem.IsLinux()) return null;
        try
        {
            var buf = new byte[256];
            if (Statx(AtFdCwd, path, 0, StatxType, buf) != 0) return null;
            return BitConverter.ToUInt16(buf, 28) & TypeMask;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException) { return null; }
    }
}
