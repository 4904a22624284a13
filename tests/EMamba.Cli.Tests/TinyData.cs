using System.IO.Compression;

namespace EMamba.Cli.Tests;

/// <summary>Small data sets in the real file formats that a tiny model learns in a few epochs.</summary>
public static class TinyData
{
    /// <summary>Fashion-MNIST-shaped, IDX gzip: each class is a bright square at its own position.</summary>
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

    /// <summary>A CIFAR-10-shaped set in the canonical binary format (<c>cifar-10-batches-bin</c>:
    /// records of a label byte and 3072 planar RGB bytes). Class c sets the image's colour (R rises
    /// and G falls with c, 25 levels a class) under 10 levels of per-pixel noise, a signal that
    /// survives random crops and flips.</summary>
    public static string Cifar10Binaries(string root, int perBatch = 60, int test = 100, int seed = 9)
    {
        string dir = Path.Combine(root, "cifar-10-batches-bin");
        Directory.CreateDirectory(dir);
        var rng = new Random(seed);
        byte[] Records(int n)
        {
            var rec = new byte[n * 3073];
            for (int r = 0; r < n; r++)
            {
                int c = rng.Next(10), o = r * 3073;
                rec[o] = (byte)c;
                for (int i = 0; i < 1024; i++)
                {
                    rec[o + 1 + i] = (byte)(25 * c + rng.Next(10));
                    rec[o + 1 + 1024 + i] = (byte)(245 - 25 * c - rng.Next(10));
                    rec[o + 1 + 2048 + i] = (byte)(100 + rng.Next(20));
                }
            }
            return rec;
        }
        for (int b = 1; b <= 5; b++) File.WriteAllBytes(Path.Combine(dir, $"data_batch_{b}.bin"), Records(perBatch));
        File.WriteAllBytes(Path.Combine(dir, "test_batch.bin"), Records(test));
        return root;
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
