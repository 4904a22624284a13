using System.Formats.Tar;
using System.IO.Compression;
using EMamba.Core;

namespace EMamba.Data.Tests;

public sealed class CifarTests
{
    [Fact]
    public void CanonicalBinaryBatchesLoad()
    {
        string root = TestFiles.TempDir(), dir = Path.Combine(root, "cifar-10-batches-bin");
        Directory.CreateDirectory(dir);
        for (int b = 1; b <= 5; b++) File.WriteAllBytes(Path.Combine(dir, $"data_batch_{b}.bin"), Records(2, b));
        File.WriteAllBytes(Path.Combine(dir, "test_batch.bin"), Records(3, 9));
        var tr = Cifar10.Load(root, "train");
        Assert.Equal((10, 3, 32, 32), (tr.Count, tr.Channels, tr.Height, tr.Width));
        Assert.Equal((1 + 0) % 10, tr.Labels[0]);
        Assert.Equal((byte)(1 * 7 + 5), tr.Pixels[5]);   // R plane, pixel 5 of the first record
        Assert.Equal(3, Cifar10.Load(dir, "test").Count);
    }

    private static byte[] Records(int n, int seed) => Enumerable.Range(0, n).SelectMany(r =>
        new[] { (byte)((seed + r) % 10) }.Concat(Enumerable.Range(0, 3072).Select(i => (byte)((seed + r) * 7 + i)))).ToArray();

    [Fact]
    public void TruncatedBatchAndBadLabelAreRejected()
    {
        string dir = TestFiles.TempDir();
        File.WriteAllBytes(Path.Combine(dir, "test_batch.bin"), Records(2, 0)[..5000]);
        var e = Assert.Throws<FileFormatException>(() => Cifar10.Load(dir, "test"));
        Assert.Contains("test_batch.bin", e.Message);
        var bad = Records(1, 0);
        bad[0] = 10;
        File.WriteAllBytes(Path.Combine(dir, "test_batch.bin"), bad);
        Assert.Contains("label 10", Assert.Throws<FileFormatException>(() => Cifar10.Load(dir, "test")).Message);
        Assert.Throws<EMambaException>(() => Cifar10.Load(Path.Combine(dir, "nothing"), "test"));
    }

    private static readonly (string Class, int Shade)[] Images = [("cat", 10), ("airplane", 20), ("cat", 30), ("truck", 40)];

    private static byte[] Png(int shade) => TestFiles.Png(4, 3, (x, y) => ((byte)(shade + x), (byte)(shade + y), (byte)shade));

    [Fact]
    public void TarGzImageArchiveLoadsInCanonicalClassOrder()
    {
        string p = Path.Combine(TestFiles.TempDir(), "imgs.tar.gz");
        using (var fs = File.Create(p))
        using (var gz = new GZipStream(fs, CompressionLevel.Fastest))
        using (var tar = new TarWriter(gz))
            for (int i = 0; i < Images.Length; i++)
            {
                var e = new PaxTarEntry(TarEntryType.RegularFile, $"root/test/{Images[i].Class}/{i:D4}.png") { DataStream = new MemoryStream(Png(Images[i].Shade)) };
                tar.WriteEntry(e);
            }
        var ds = ImageArchive.Load(p, "test", Cifar10.Classes);
        Assert.Equal((4, 3, 3, 4), (ds.Count, ds.Channels, ds.Height, ds.Width));
        Assert.Equal([0, 3, 9, 3], ds.Labels);                  // classes interleaved: airplane, cat, truck, then cat
        Assert.Equal(20, ds.Pixels[0]);                          // airplane R at (0,0)
        Assert.Equal(21, ds.Pixels[1]);                          // R at (1,0): shade + x
        Assert.Equal(21, ds.Pixels[12 + 4]);                     // G plane at (0,1): shade + y
        Assert.Throws<EMambaException>(() => ImageArchive.Load(p, "train"));
    }

    [Fact]
    public void ZipImageArchiveLoadsAndCorruptArchiveIsRejected()
    {
        string dir = TestFiles.TempDir(), p = Path.Combine(dir, "imgs.zip");
        using (var zip = ZipFile.Open(p, ZipArchiveMode.Create))
            for (int i = 0; i < Images.Length; i++)
            {
                using var s = zip.CreateEntry($"train/{Images[i].Class}/{i}.png").Open();
                s.Write(Png(Images[i].Shade));
            }
        var ds = ImageArchive.Load(p, "train");
        Assert.Equal(["airplane", "cat", "truck"], ds.ClassNames);   // sorted names: not the CIFAR set
        Assert.Equal([0, 1, 2, 1], ds.Labels);
        string bad = Path.Combine(dir, "bad.tar.gz");
        File.WriteAllBytes(bad, File.ReadAllBytes(p)[..100]);
        Assert.ThrowsAny<EMambaException>(() => ImageArchive.Load(bad, "train"));
    }
}
