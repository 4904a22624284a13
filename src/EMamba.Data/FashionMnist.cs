using EMamba.Core;

namespace EMamba.Data;

/// <summary>Fashion-MNIST (and MNIST) from the four canonical IDX files, gzip or plain.</summary>
public static class FashionMnist
{
    public const string DefaultDir = "/usr/share/datasets/fashion-mnist";

    public static readonly string[] Classes =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <param name="split">"train" or "test"</param>
    public static ImageDataset Load(string dir, string split)
    {
        string prefix = split switch
        {
            "train" => "train",
            "test" => "t10k",
            _ => throw new ArgumentException($"split '{split}' must be train or test"),
        };
        if (!Directory.Exists(dir))
            throw new EMambaException($"{dir}: Fashion-MNIST folder not found (on Debian: apt-get install dataset-fashion-mnist; or pass --data <folder with the IDX files>)");
        string images = Find(dir, $"{prefix}-images-idx3-ubyte"), labels = Find(dir, $"{prefix}-labels-idx1-ubyte");
        var im = Idx.Read(images);
        var lb = Idx.Read(labels);
        if (im.Shape.Length != 3) throw new FileFormatException(images, 3, $"expected a rank-3 image array, got rank {im.Shape.Length}");
        if (lb.Shape.Length != 1) throw new FileFormatException(labels, 3, $"expected a rank-1 label array, got rank {lb.Shape.Length}");
        if (im.Shape[0] != lb.Shape[0])
            throw new EMambaException($"{images} holds {im.Shape[0]} images but {labels} holds {lb.Shape[0]} labels");
        var y = new int[lb.Data.Length];
        for (int i = 0; i < y.Length; i++)
        {
            // Offset 8 + i: the byte of label i after the rank-1 header (decompressed offset for .gz).
            if (lb.Data[i] >= Classes.Length) throw new FileFormatException(labels, 8 + i, $"label {lb.Data[i]} is not a class (0..9)");
            y[i] = lb.Data[i];
        }
        return SplitChecks.NonEmpty(new ImageDataset
        {
            Count = im.Shape[0], Channels = 1, Height = im.Shape[1], Width = im.Shape[2],
            Pixels = im.Data, Labels = y, ClassNames = Classes, Source = dir,
        }, split);
    }

    private static string Find(string dir, string name)
    {
        foreach (var candidate in new[] { name + ".gz", name })
        {
            string p = Path.Combine(dir, candidate);
            if (File.Exists(p)) return p;
        }
        throw new EMambaException($"{dir}: neither {name}.gz nor {name} found (Fashion-MNIST IDX files; " +
            "on Debian: apt-get install dataset-fashion-mnist puts them in " + DefaultDir + ")");
    }
}
