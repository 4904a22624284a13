using System.IO.Compression;

namespace EMamba.Cli.Tests;

/// <summary>Writes a small Fashion-MNIST-shaped data set in the real IDX gzip format: each class is
/// a bright square at its own position, so a tiny model can learn it in one epoch.</summary>
public static class TinyData
{
    public static string FashionMnist(string dir, int train = 300, int test = 100, int seed = 7)
    {
        Directory.CreateDirectory(dir);
        Write(dir, "train", train, seed);
        Write(dir, "t10k", test, seed + 1);
        return dir;
    }

    private static void Write(string dir, string prefix, int n, int seed)
    {
        var rng = new Random(seed);
        var images = new byte[n * 784];
        var labels = new byte[n];
        for (int i = 0; i < n; i++)
        {
            int c = rng.Next(10);
            labels[i] = (byte)c;
            int r0 = 2 + 8 * (c / 4), c0 = 2 + 8 * (c % 4);
            for (int k = 0; k < 784; k++) images[i * 784 + k] = (byte)rng.Next(40);
            for (int r = r0; r < r0 + 6; r++)
                for (int col = c0; col < c0 + 6; col++) images[i * 784 + r * 28 + col] = (byte)(200 + rng.Next(50));
        }
        Gz(Path.Combine(dir, $"{prefix}-images-idx3-ubyte.gz"), Header(0x0803, n, 28, 28), images);
        Gz(Path.Combine(dir, $"{prefix}-labels-idx1-ubyte.gz"), Header(0x0801, n), labels);
    }

    private static byte[] Header(int magic, params int[] dims)
    {
        var h = new byte[4 + 4 * dims.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(h, magic);
        for (int i = 0; i < dims.Length; i++) System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(h.AsSpan(4 + 4 * i), dims[i]);
        return h;
    }

    private static void Gz(string path, byte[] header, byte[] body)
    {
        using var fs = File.Create(path);
        using var gz = new GZipStream(fs, CompressionLevel.Fastest);
        gz.Write(header);
        gz.Write(body);
    }

    public const string TinyConfig = """
    {
      "model": { "task": "fmnist", "patch": 7, "d_model": 8, "expand": 2, "d_state": 4, "n_layers": 1 },
      "train": { "epochs": 3, "batch_size": 16, "lr": 0.01, "warmup_steps": 5, "seed": 3, "val_fraction": 0.2 }
    }
    """;
}
