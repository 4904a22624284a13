using EMamba.Core;

namespace EMamba.Data;

/// <summary>CIFAR-10 from the canonical binary batches (records of 1 label byte + 3072 bytes of
/// R, G, B planes, 32x32) or from an image-folder archive such as the JPEG copy here.</summary>
public static class Cifar10
{
    /// <summary>The JPEG copy of this machine, relative to the repository root.</summary>
    public const string DefaultPath = "../shared/data/cifar10/cifar10-jpeg.tar.gz";
    public static readonly string[] Classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];
    private const int Pixels = 3 * 32 * 32, Record = 1 + Pixels;

    /// <param name="path">A folder holding the binary batches (directly or in <c>cifar-10-batches-bin/</c>),
    /// or an image-folder archive file (.tar.gz, .tgz, .tar, .zip).</param>
    /// <param name="split">"train" (data_batch_1..5) or "test" (test_batch)</param>
    public static ImageDataset Load(string path, string split)
    {
        if (split is not ("train" or "test")) throw new ArgumentException($"split '{split}' must be train or test");
        if (File.Exists(path)) return ImageArchive.Load(path, split, Classes);
        if (!Directory.Exists(path))
            throw new EMambaException($"{path}: CIFAR-10 not found (a cifar-10-batches-bin folder or an image archive .tar.gz/.zip; pass --data)");
        string sub = Path.Combine(path, "cifar-10-batches-bin");
        string dir = Directory.Exists(sub) ? sub : path;
        string[] files = split == "train" ? [.. Enumerable.Range(1, 5).Select(i => $"data_batch_{i}.bin")] : ["test_batch.bin"];

        var batches = new List<(string Path, byte[] Bytes)>();
        long records = 0;
        foreach (var f in files)
        {
            string p = Path.Combine(dir, f);
            UserFile.RequireRegular(p, $"not found (CIFAR-10 binary batch of the {split} split)");
            long len = new FileInfo(p).Length;
            if (len == 0 || len % Record != 0)
                throw new FileFormatException(p, len - len % Record, $"size {len} is not a whole number of {Record}-byte records (truncated?)");
            records += len / Record;
            if (records * Pixels > BoundedRead.MaxBytes)
                throw new FileFormatException(p, 0, $"the {split} batches hold more than {BoundedRead.MaxBytes / Pixels} records, more than one array can hold");
            batches.Add((p, UserFile.ReadAllBytes(p, len)));
        }

        var px = new byte[records * Pixels];
        var labels = new int[records];
        int r = 0;
        foreach (var (p, bytes) in batches)
            for (int k = 0; k < bytes.Length / Record; k++, r++)
            {
                byte label = bytes[k * Record];
                if (label >= Classes.Length) throw new FileFormatException(p, (long)k * Record, $"label {label} is not a class (0..9)");
                labels[r] = label;
                bytes.AsSpan(k * Record + 1, Pixels).CopyTo(px.AsSpan(r * Pixels));
            }
        return new ImageDataset
        {
            Count = labels.Length, Channels = 3, Height = 32, Width = 32, Pixels = px,
            Labels = labels, ClassNames = Classes, Source = dir,
        };
    }
}
