using System.Formats.Tar;
using System.IO.Compression;
using EMamba.Core;

namespace EMamba.Data;

/// <summary>The regular-file entries of a .tar, .tar.gz/.tgz or .zip archive, read into memory.
/// The kind is told by the leading bytes (gzip 1f 8b, zip "PK", tar "ustar" at byte 257), not by
/// the extension. Sizes are capped so a hostile archive cannot make us allocate without bound.</summary>
internal static class ArchiveEntries
{
    public const long MaxEntryBytes = 64 << 20;

    /// <summary>Entries whose name passes <paramref name="keep"/>, in archive order.</summary>
    public static List<(string Name, byte[] Bytes)> Read(string path, Func<string, bool> keep)
    {
        using var fs = UserFile.OpenRead(path, "image archive not found");
        Span<byte> head = stackalloc byte[262];
        int n = fs.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        fs.Position = 0;
        var kept = new List<(string, byte[])>();
        long total = 0;
        void Add(string name, long length, Stream data)
        {
            if (length < 0 || length > MaxEntryBytes)
                throw new FileFormatException(path, fs.Position, $"entry {name} claims {length} bytes; images over {MaxEntryBytes >> 20} MiB are not expected");
            total += length;
            if (total > BoundedRead.MaxBytes)
                throw new FileFormatException(path, fs.Position, $"the selected entries exceed {BoundedRead.MaxBytes} bytes in all");
            var bytes = new byte[length];
            data.ReadExactly(bytes);
            kept.Add((name, bytes));
        }
        try
        {
            if (n >= 4 && head[0] == 'P' && head[1] == 'K')
            {
                using var zip = new ZipArchive(fs, ZipArchiveMode.Read, leaveOpen: true);
                foreach (var e in zip.Entries)
                    if (!e.FullName.EndsWith('/') && keep(CheckName(path, e.FullName)))
                    {
                        using var s = e.Open();
                        Add(e.FullName, e.Length, s);
                    }
                return kept;
            }
            bool gz = n >= 2 && head[0] == 0x1f && head[1] == 0x8b;
            if (!gz && !(n >= 262 && head[257..262].SequenceEqual("ustar"u8)))
                throw new FileFormatException(path, 0, "not an image archive: expected gzip (1f 8b), zip (PK) or tar (ustar at byte 257)");
            using var unzipped = gz ? new GZipStream(fs, CompressionMode.Decompress, leaveOpen: true) : null;
            using var tar = new TarReader(unzipped ?? (Stream)fs, leaveOpen: true);
            // A 0-byte tar entry has no DataStream; it is kept (as empty) so the caller can report it.
            while (tar.GetNextEntry() is { } entry)
                if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile && keep(CheckName(path, entry.Name)))
                    Add(entry.Name, entry.Length, entry.DataStream ?? Stream.Null);
            return kept;
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException)
        {
            // The position is in the (possibly compressed) file: where reading stopped, not an exact entry offset.
            throw new FileFormatException(path, fs.Position, $"archive is corrupt or truncated near this point ({e.Message})");
        }
    }

    /// <summary>An absolute name or a ".." component would place the entry outside the archive's own
    /// tree (e.g. "../test/cat/x.jpg" counted as a test sample): the archive is refused, naming the entry.</summary>
    internal static string CheckName(string path, string name)
    {
        var parts = name.Split('/', '\\');
        bool absolute = name.StartsWith('/') || name.StartsWith('\\') || (name.Length >= 2 && name[1] == ':' && char.IsAsciiLetter(name[0]));
        if (absolute || parts.Contains(".."))
            throw new EMambaException($"{path}: entry {Shown.Value(name)} has {(absolute ? "an absolute path" : "a '..' component")}; archive entries must be relative paths inside the archive");
        return name;
    }
}
