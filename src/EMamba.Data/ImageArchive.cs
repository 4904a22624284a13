using EMamba.Core;
using StbImageSharp;

namespace EMamba.Data;

/// <summary>An image-folder archive (.tar.gz, .tgz, .tar or .zip) laid out as
/// <c>[prefix/]split/class/name.(jpg|jpeg|png)</c>, decoded with a managed decoder into planes.
/// <list type="bullet">
/// <item>Channels: 3 (R, G, B planes), or 1 when every image of the split is stored as greyscale
/// (an MNIST-style archive then matches a 1-channel model).</item>
/// <item>Order: classes interleaved (the k-th image of every class in class order, then the
/// (k+1)-th, ...), each class in ordinal entry-name order. It does not depend on the order of
/// the archive or on decoding threads, and any prefix (<c>--limit-train N</c>) is class-balanced,
/// as the canonical shuffled batches are.</item>
/// <item>Class order: <paramref name="classOrder"/> if given, else the CIFAR-10 order when the
/// names are the CIFAR-10 classes, else ordinal name order.</item>
/// </list></summary>
public static class ImageArchive
{
    private static readonly string[] Extensions = [".jpg", ".jpeg", ".png"];

    public static ImageDataset Load(string archivePath, string split, IReadOnlyList<string>? classOrder = null)
    {
        if (!File.Exists(archivePath)) throw new EMambaException($"{archivePath}: image archive not found");
        var entries = ArchiveEntries.Read(archivePath, name => ClassOf(name, split) is not null)
            .Select(e => (Class: ClassOf(e.Name, split)!, e.Name, e.Bytes)).ToList();
        if (entries.Count == 0)
            throw new EMambaException($"{archivePath}: no .jpg/.jpeg/.png images under '{split}/<class>/' in the archive");
        // An empty image is a broken archive, not a sample to drop quietly.
        if (entries.FirstOrDefault(e => e.Bytes.Length == 0) is { Name: { } empty })
            throw new EMambaException($"{archivePath}: entry {empty} is empty (0 bytes); expected an image");

        var names = entries.Select(e => e.Class).Distinct().ToList();
        var order = classOrder?.ToList()
            ?? (names.Count == Cifar10.Classes.Length && names.All(Cifar10.Classes.Contains) ? [.. Cifar10.Classes] : names.Order(StringComparer.Ordinal).ToList());
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int c = 0; c < order.Count; c++) index.TryAdd(order[c], c);
        var missing = names.Where(n => !index.ContainsKey(n)).ToList();
        if (missing.Count > 0)
            throw new EMambaException($"{archivePath}: classes {string.Join(", ", missing)} are not in the class order ({string.Join(", ", order)})");

        var samples = entries.GroupBy(e => e.Class)
            .SelectMany(g => g.OrderBy(e => e.Name, StringComparer.Ordinal).Select((e, k) => (Rank: k, Label: index[g.Key], e.Name, e.Bytes)))
            .OrderBy(x => x.Rank).ThenBy(x => x.Label).ToList();
        var (px, h, w, grey) = Decode(archivePath, samples.Select(s => (s.Name, s.Bytes)).ToList());
        return new ImageDataset
        {
            Count = samples.Count, Channels = grey ? 1 : 3, Height = h, Width = w, Pixels = grey ? FirstPlane(px, samples.Count, h * w) : px,
            Labels = [.. samples.Select(s => s.Label)], ClassNames = order, Source = archivePath,
        };
    }

    // "a/b/train/cat/0001.jpg" -> "cat" when split is "train"; null for anything else.
    private static string? ClassOf(string entryName, string split)
    {
        var parts = entryName.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 3 && parts[^3] == split && Extensions.Contains(Path.GetExtension(parts[^1]).ToLowerInvariant()) ? parts[^2] : null;
    }

    // Decodes in parallel straight into RGB planes (sample i at i * 3 * h * w). Failures are kept per
    // sample and the first by sample index is reported, so the error does not depend on thread timing.
    private static (byte[] Px, int H, int W, bool Grey) Decode(string path, List<(string Name, byte[] Bytes)> images)
    {
        var first = DecodeOne(path, images[0].Name, images[0].Bytes, out string? error) ?? throw new EMambaException(error!);
        int w = first.Width, h = first.Height, plane = w * h;
        if ((long)images.Count * 3 * plane > BoundedRead.MaxBytes)
            throw new EMambaException($"{path}: {images.Count} images of {w}x{h} exceed {BoundedRead.MaxBytes} bytes in all");
        var px = new byte[images.Count * 3 * plane];
        var errors = new string?[images.Count];
        var grey = new bool[images.Count];
        Parallel.For(0, images.Count, i =>
        {
            var img = i == 0 ? first : DecodeOne(path, images[i].Name, images[i].Bytes, out errors[i]);
            if (img is null) return;
            if (img.Width != w || img.Height != h)
            {
                errors[i] = $"{path}: entry {images[i].Name} is {img.Width}x{img.Height}, but {images[0].Name} is {w}x{h}; all images must have one size";
                return;
            }
            grey[i] = img.SourceComp is ColorComponents.Grey or ColorComponents.GreyAlpha;
            var dst = px.AsSpan(i * 3 * plane, 3 * plane);
            for (int k = 0; k < plane; k++)
                for (int c = 0; c < 3; c++)
                    dst[c * plane + k] = img.Data[k * 3 + c];
        });
        foreach (var e in errors) if (e is not null) throw new EMambaException(e);
        return (px, h, w, grey.All(g => g));
    }

    private static ImageResult? DecodeOne(string path, string name, byte[] bytes, out string? error)
    {
        error = null;
        // StbImageSharp signals a bad image with a plain Exception; anything it throws means "cannot decode".
        try { return ImageResult.FromMemory(bytes, ColorComponents.RedGreenBlue); }
        catch (Exception e) { error = $"{path}: entry {name}: cannot decode image ({e.Message})"; return null; }
    }

    // Greyscale decoded as RGB has R = G = B: keep the R plane of each sample.
    private static byte[] FirstPlane(byte[] rgb, int count, int plane)
    {
        var g = new byte[count * plane];
        for (int i = 0; i < count; i++) rgb.AsSpan(i * 3 * plane, plane).CopyTo(g.AsSpan(i * plane));
        return g;
    }
}
