using EMamba.Core;

namespace EMamba.Data;

/// <summary>CIFAR-10 from the canonical binary batches (records of 1 label byte + 3072 bytes of
/// R, G, B planes, 32x32) or from an image-folder archive such as the JPEG copy here.</summary>
public static class Cifar10
{
    public const string DefaultPath = "../shared/data/cifar10/cifar10-jpeg.tar.gz";
    public static readonly string[] Classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];
    private const int Record = 1 + 3072;

    public static ImageDataset Load(string path, string split)
    {
        if (split is not ("train" or "test")) throw new ArgumentException($"split '{split}' must be train or test");
        if (File.Exists(path)) return ImageArchive.Load(path, split, Classes);
        if (!Directory.Exists(path))
            throw new EMambaException($"{path}: CIFAR-10 not found (a cifar-10-batches-bin folder or an image archive .tar.gz/.zip; pass --data)");
        string dir = Directory.Exists(Path.Combine(path, "cifar-10-batches-bin")) ? Path.Combine(path, "cifar-10-batches-bin") : path;
        var files = split == "train" ? Enumerable.Range(1, 5).Select(i => $"data_batch_{i}.bin").ToArray() : ["test_batch.bin"];
        var px = new List<byte[]>();
        var labels = new List<int>();
        foreach (var f in files)
        {
            string p = Path.Combine(dir, f);
            if (!File.Exists(p)) throw new EMambaException($"{dir}: {f} not found (CIFAR-10 binary batches)");
            var bytes = File.ReadAllBytes(p);
            if (bytes.Length == 0 || bytes.Length % Record != 0)
                throw new FileFormatException(p, bytes.Length - bytes.Length % Record, $"size {bytes.Length} is not a whole number of {Record}-byte records (truncated?)");
            for (int r = 0; r < bytes.Length / Record; r++)
            {
                byte label = bytes[r * Record];
                if (label >= 10) throw new FileFormatException(p, (long)r * Record, $"label {label} is not a class (0..9)");
                labels.Add(label);
                px.Add(bytes.AsSpan(r * Record + 1, 3072).ToArray());
            }
        }
        var all = new byte[px.Count * 3072];
        for (int i = 0; i < px.Count; i++) Buffer.BlockCopy(px[i], 0, all, i * 3072, 3072);
        return new ImageDataset
        {
            Count = labels.Count, Channels = 3, Height = 32, Width = 32, Pixels = all,
            Labels = labels.ToArray(), ClassNames = Classes, Source = dir,
        };
    }
}
