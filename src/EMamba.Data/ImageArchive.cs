using System.Formats.Tar;
using System.IO.Compression;
using EMamba.Core;
using StbImageSharp;

namespace EMamba.Data;

/// <summary>An image-folder archive (.tar.gz, .tgz, .tar or .zip) laid out as
/// <c>[prefix/]split/class/name.(jpg|jpeg|png)</c>, decoded with a managed decoder to RGB planes.
/// Samples are ordered deterministically: classes interleaved, each class in entry-name order.</summary>
public static class ImageArchive
{
    private static readonly string[] Extensions = [".jpg", ".jpeg", ".png"];

    public static ImageDataset Load(string archivePath, string split, IReadOnlyList<string>? classOrder = null)
    {
        if (!File.Exists(archivePath)) throw new EMambaException($"{archivePath}: image archive not found");
        var entries = new List<(string Class, string Name, byte[] Bytes)>();
        try
        {
            foreach (var (name, read) in Entries(archivePath))
            {
                var parts = name.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length < 3 || parts[^3] != split || !Extensions.Contains(Path.GetExtension(parts[^1]).ToLowerInvariant())) continue;
                entries.Add((parts[^2], name, read()));
            }
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException)
        {
            throw new FileFormatException(archivePath, 0, $"archive is corrupt or truncated: {e.Message}");
        }
        if (entries.Count == 0)
            throw new EMambaException($"{archivePath}: no images under '{split}/<class>/' in the archive");
        var names = entries.Select(e => e.Class).Distinct().ToList();
        var order = classOrder?.ToList()
            ?? (names.Count == Cifar10.Classes.Length && names.All(Cifar10.Classes.Contains) ? Cifar10.Classes.ToList() : names.Order(StringComparer.Ordinal).ToList());
        var missing = names.Where(n => !order.Contains(n)).ToList();
        if (missing.Count > 0) throw new EMambaException($"{archivePath}: classes {string.Join(", ", missing)} are not in the class order");
        // Interleave the classes (k-th image of every class, then the (k+1)-th, ...) so that the
        // first N samples (--limit-train) are balanced, as in the canonical shuffled batches.
        entries = entries.GroupBy(e => e.Class)
            .SelectMany(g => g.OrderBy(e => e.Name, StringComparer.Ordinal).Select((e, k) => (Rank: k, Class: order.IndexOf(g.Key), Entry: e)))
            .OrderBy(x => x.Rank).ThenBy(x => x.Class).Select(x => x.Entry).ToList();

        var decoded = new ImageResult[entries.Count];
        Parallel.For(0, entries.Count, i =>
        {
            try { decoded[i] = ImageResult.FromMemory(entries[i].Bytes, ColorComponents.RedGreenBlue); }
            catch (Exception e) { throw new EMambaException($"{archivePath}: entry {entries[i].Name}: cannot decode image ({e.Message})"); }
        });
        int w = decoded[0].Width, h = decoded[0].Height, plane = w * h;
        var px = new byte[entries.Count * 3 * plane];
        for (int i = 0; i < entries.Count; i++)
        {
            var img = decoded[i];
            if (img.Width != w || img.Height != h)
                throw new EMambaException($"{archivePath}: entry {entries[i].Name} is {img.Width}x{img.Height}, the others {w}x{h}");
            for (int k = 0; k < plane; k++)
                for (int c = 0; c < 3; c++)
                    px[(i * 3 + c) * plane + k] = img.Data[k * 3 + c];
        }
        return new ImageDataset
        {
            Count = entries.Count, Channels = 3, Height = h, Width = w, Pixels = px,
            Labels = entries.Select(e => order.IndexOf(e.Class)).ToArray(), ClassNames = order, Source = archivePath,
        };
    }

    // Regular file entries as (name, reader); each reader must be called before moving on.
    private static IEnumerable<(string Name, Func<byte[]> Read)> Entries(string path)
    {
        string lower = path.ToLowerInvariant();
        if (lower.EndsWith(".zip"))
        {
            using var zip = ZipFile.OpenRead(path);
            foreach (var e in zip.Entries)
            {
                if (e.FullName.EndsWith('/')) continue;
                yield return (e.FullName, () => ReadEntry(e.Open(), e.Length, path, e.FullName));
            }
            yield break;
        }
        using var fs = File.OpenRead(path);
        using Stream s = lower.EndsWith(".tar") ? fs : new GZipStream(fs, CompressionMode.Decompress);
        using var tar = new TarReader(s);
        while (tar.GetNextEntry() is { } entry)
        {
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null) continue;
            var e = entry;
            yield return (e.Name, () => ReadEntry(e.DataStream!, e.Length, path, e.Name));
        }
    }

    private static byte[] ReadEntry(Stream s, long length, string path, string name)
    {
        if (length > 64 << 20) throw new FileFormatException(path, 0, $"entry {name} claims {length} bytes; images over 64 MB are not expected");
        using var ms = new MemoryStream((int)length);
        s.CopyTo(ms);
        return ms.ToArray();
    }
}
