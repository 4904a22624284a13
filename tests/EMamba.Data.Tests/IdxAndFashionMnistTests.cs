using CsCheck;
using EMamba.Core;

namespace EMamba.Data.Tests;

public sealed class IdxAndFashionMnistTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void IdxRoundTripsPlainAndGzip(bool gz)
    {
        string dir = TestFiles.TempDir();
        var data = Enumerable.Range(0, 2 * 3 * 4).Select(i => (byte)i).ToArray();
        var bytes = TestFiles.Idx(data, 2, 3, 4);
        string p = Path.Combine(dir, "a.idx");
        File.WriteAllBytes(p, gz ? TestFiles.Gzip(bytes) : bytes);
        var a = Idx.Read(p);
        Assert.Equal([2, 3, 4], a.Shape);
        Assert.Equal(data, a.Data);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TruncatedIdxNamesFileAndOffset(bool gz)
    {
        string dir = TestFiles.TempDir();
        var bytes = TestFiles.Idx(new byte[3 * 4], 100, 4);   // claims 100 rows, holds 3
        string p = Path.Combine(dir, "t.idx");
        File.WriteAllBytes(p, gz ? TestFiles.Gzip(bytes) : bytes);
        var e = Assert.Throws<FileFormatException>(() => Idx.Read(p));
        Assert.Contains(p, e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void HostileDimsAreRejectedBeforeAllocating()
    {
        string p = Path.Combine(TestFiles.TempDir(), "h.idx");
        File.WriteAllBytes(p, TestFiles.Gzip(TestFiles.Idx([], 1 << 20, 1 << 20)));
        var e = Assert.Throws<FileFormatException>(() => Idx.Read(p));
        Assert.Contains("more than", e.Message);
        Assert.Equal(8, e.Offset);                                   // the second dimension tips it over

        // Within the cap but far beyond the data: plain files are checked against their length,
        // gzip streams are read in bounded chunks, so neither allocates the 2^30 claimed bytes.
        foreach (bool gz in new[] { false, true })
        {
            var bytes = TestFiles.Idx([1, 2, 3], 1 << 30, 1);
            File.WriteAllBytes(p, gz ? TestFiles.Gzip(bytes) : bytes);
            long before = GC.GetAllocatedBytesForCurrentThread();
            Assert.Contains("truncated", Assert.Throws<FileFormatException>(() => Idx.Read(p)).Message);
            Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 64L << 20);
        }
    }

    [Fact]
    public void TrailingBytesAndCorruptGzipAreRejected()
    {
        string p = Path.Combine(TestFiles.TempDir(), "x.idx");
        File.WriteAllBytes(p, TestFiles.Idx([1, 2, 3, 4], 3));
        var e = Assert.Throws<FileFormatException>(() => Idx.Read(p));
        Assert.Equal(4 + 4 + 3, e.Offset);
        Assert.Contains("end of the file", e.Message);

        var gz = TestFiles.Gzip(TestFiles.Idx(Enumerable.Range(0, 1000).Select(i => (byte)(i * 31)).ToArray(), 1000));
        for (int i = 12; i < gz.Length - 8; i++) gz[i] ^= 0x5A;     // scramble the deflate body, keep the gzip header
        File.WriteAllBytes(p, gz);
        Assert.Contains(p, Assert.Throws<FileFormatException>(() => Idx.Read(p)).Message);
    }

    [Fact]
    public void IdxRoundTripsRandomShapes()
    {
        string dir = TestFiles.TempDir();
        Gen.Int[1, 4].SelectMany(r => Gen.Int[0, 6].Array[r]).SelectMany(shape =>
                Gen.Byte.Array[shape.Aggregate(1, (a, b) => a * b)].Select(Gen.Bool, (data, gz) => (shape, data, gz)))
            .Sample(t =>
            {
                string p = Path.Combine(dir, $"{Guid.NewGuid():N}.idx");
                var bytes = TestFiles.Idx(t.data, t.shape);
                File.WriteAllBytes(p, t.gz ? TestFiles.Gzip(bytes) : bytes);
                var a = Idx.Read(p);
                Assert.Equal(t.shape, a.Shape);
                Assert.Equal(t.data, a.Data);
            }, iter: 100);
    }

    [Fact]
    public void WrongMagicAndTypeAreRejected()
    {
        string p = Path.Combine(TestFiles.TempDir(), "m.idx");
        File.WriteAllBytes(p, [1, 2, 8, 1, 0, 0, 0, 1, 7]);
        Assert.Contains("not an IDX file", Assert.Throws<FileFormatException>(() => Idx.Read(p)).Message);
        File.WriteAllBytes(p, [0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0]);
        Assert.Contains("0x0d", Assert.Throws<FileFormatException>(() => Idx.Read(p)).Message);
        File.WriteAllBytes(p, [0, 0]);
        Assert.Throws<FileFormatException>(() => Idx.Read(p));
    }

    [Fact]
    public void FashionMnistLoadsTheFourFiles()
    {
        string dir = TestFiles.TempDir();
        foreach (var (pre, n) in new[] { ("train", 5), ("t10k", 3) })
        {
            var img = Enumerable.Range(0, n * 784).Select(i => (byte)(i % 251)).ToArray();
            File.WriteAllBytes(Path.Combine(dir, $"{pre}-images-idx3-ubyte.gz"), TestFiles.Gzip(TestFiles.Idx(img, n, 28, 28)));
            File.WriteAllBytes(Path.Combine(dir, $"{pre}-labels-idx1-ubyte"), TestFiles.Idx(Enumerable.Range(0, n).Select(i => (byte)i).ToArray(), n));
        }
        var tr = FashionMnist.Load(dir, "train");
        Assert.Equal((5, 1, 28, 28), (tr.Count, tr.Channels, tr.Height, tr.Width));
        Assert.Equal([0, 1, 2, 3, 4], tr.Labels);
        Assert.Equal((byte)(784 % 251), tr.Pixels[784]);
        var te = FashionMnist.Load(dir, "test");
        Assert.Equal(3, te.Count);
        var sub = tr.Subset([4, 1]);
        Assert.Equal([4, 1], sub.Labels);
        Assert.Equal(tr.Pixels.AsSpan(4 * 784, 784).ToArray(), sub.Pixels.AsSpan(0, 784).ToArray());
    }

    [Fact]
    public void FashionMnistMissingOrInconsistentFilesGiveClearErrors()
    {
        string dir = TestFiles.TempDir();
        var e = Assert.Throws<EMambaException>(() => FashionMnist.Load(Path.Combine(dir, "none"), "train"));
        Assert.Contains("apt-get install dataset-fashion-mnist", e.Message);
        e = Assert.Throws<EMambaException>(() => FashionMnist.Load(dir, "test"));   // folder exists, files do not
        Assert.Contains("t10k-images-idx3-ubyte", e.Message);
        Assert.Contains("apt-get install dataset-fashion-mnist", e.Message);
        File.WriteAllBytes(Path.Combine(dir, "train-images-idx3-ubyte"), TestFiles.Idx(new byte[2 * 784], 2, 28, 28));
        File.WriteAllBytes(Path.Combine(dir, "train-labels-idx1-ubyte"), TestFiles.Idx([1, 2, 3], 3));
        Assert.Contains("2 images but", Assert.Throws<EMambaException>(() => FashionMnist.Load(dir, "train")).Message);
        File.WriteAllBytes(Path.Combine(dir, "train-labels-idx1-ubyte"), TestFiles.Idx([1, 12], 2));
        Assert.Contains("label 12", Assert.Throws<FileFormatException>(() => FashionMnist.Load(dir, "train")).Message);
    }
}

public sealed class RealFashionMnistTests
{
    [FactWhenData(FashionMnist.DefaultDir)]
    public void InstalledFashionMnistLoads()
    {
        var tr = FashionMnist.Load(FashionMnist.DefaultDir, "train");
        var te = FashionMnist.Load(FashionMnist.DefaultDir, "test");
        Assert.Equal((60_000, 1, 28, 28), (tr.Count, tr.Channels, tr.Height, tr.Width));
        Assert.Equal(10_000, te.Count);
        Assert.All(tr.Labels.CountBy(l => l), g => Assert.Equal(6_000, g.Value));
        Assert.Equal(9, tr.Labels[0]);   // the first training image is an ankle boot
    }
}
