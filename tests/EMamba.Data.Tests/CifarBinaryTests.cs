using EMamba.Core;

namespace EMamba.Data.Tests;

public sealed class CifarBinaryTests
{
    // n records; record r has label (seed + r) % 10 and pixel i = (seed + r) * 7 + i (mod 256).
    private static byte[] Records(int n, int seed) => [.. Enumerable.Range(0, n).SelectMany(r =>
        new[] { (byte)((seed + r) % 10) }.Concat(Enumerable.Range(0, 3072).Select(i => (byte)((seed + r) * 7 + i))))];

    [Fact]
    public void CanonicalBinaryBatchesLoadInFileOrder()
    {
        string root = TestFiles.TempDir(), dir = Path.Combine(root, "cifar-10-batches-bin");
        Directory.CreateDirectory(dir);
        for (int b = 1; b <= 5; b++) File.WriteAllBytes(Path.Combine(dir, $"data_batch_{b}.bin"), Records(2, 10 * b));
        File.WriteAllBytes(Path.Combine(dir, "test_batch.bin"), Records(3, 9));
        var tr = Cifar10.Load(root, "train");                   // finds the cifar-10-batches-bin subfolder
        Assert.Equal((10, 3, 32, 32), (tr.Count, tr.Channels, tr.Height, tr.Width));
        Assert.Equal(Cifar10.Classes, tr.ClassNames);
        Assert.Equal([0, 1, 0, 1, 0, 1, 0, 1, 0, 1], tr.Labels);   // seeds 10, 20, ..., 50
        Assert.Equal((byte)(10 * 7 + 5), tr.Pixels[5]);           // R plane, pixel 5 of the first record
        Assert.Equal(unchecked((byte)(11 * 7 + 1024)), tr.Pixels[3072 + 1024]); // G plane, pixel 0 of the second record
        Assert.Equal(unchecked((byte)(50 * 7 + 3071)), tr.Pixels[8 * 3072 + 3071]);
        var te = Cifar10.Load(dir, "test");                       // or the folder itself
        Assert.Equal([9, 0, 1], te.Labels);
    }

    [Fact]
    public void TruncatedBatchBadLabelAndMissingFilesAreRejected()
    {
        string dir = TestFiles.TempDir();
        File.WriteAllBytes(Path.Combine(dir, "test_batch.bin"), Records(2, 0)[..5000]);
        var e = Assert.Throws<FileFormatException>(() => Cifar10.Load(dir, "test"));
        Assert.Contains("test_batch.bin", e.Message);
        Assert.Equal(3073, e.Offset);                              // the start of the partial record
        var bad = Records(2, 0);
        bad[3073] = 10;
        File.WriteAllBytes(Path.Combine(dir, "test_batch.bin"), bad);
        e = Assert.Throws<FileFormatException>(() => Cifar10.Load(dir, "test"));
        Assert.Contains("label 10", e.Message);
        Assert.Equal(3073, e.Offset);
        Assert.Contains("data_batch_1.bin", Assert.Throws<EMambaException>(() => Cifar10.Load(dir, "train")).Message);
        Assert.Throws<EMambaException>(() => Cifar10.Load(Path.Combine(dir, "nothing"), "test"));
    }
}
