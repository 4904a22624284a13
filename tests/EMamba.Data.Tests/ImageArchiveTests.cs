using EMamba.Core;

namespace EMamba.Data.Tests;

public sealed class ImageArchiveTests
{
    private static readonly (string Class, int Shade)[] Images = [("cat", 10), ("airplane", 20), ("cat", 30), ("truck", 40)];

    // 4 wide, 3 high: R = shade + x, G = shade + y, B = shade.
    private static byte[] Png(int shade) => TestFiles.Png(4, 3, (x, y) => ((byte)(shade + x), (byte)(shade + y), (byte)shade));

    private static IEnumerable<(string, byte[])> Entries(string prefix) =>
        Images.Select((im, i) => ($"{prefix}{im.Class}/{i:D4}.png", Png(im.Shade)));

    [Fact]
    public void TarGzImageArchiveLoadsInCanonicalClassOrder()
    {
        string p = Path.Combine(TestFiles.TempDir(), "imgs.tar.gz");
        TestFiles.Tar(p, Entries("root/test/").Append(("root/test/README.txt", [1, 2])).Append(("root/train/cat/x.png", Png(0))));
        var ds = ImageArchive.Load(p, "test", Cifar10.Classes);
        Assert.Equal((4, 3, 3, 4), (ds.Count, ds.Channels, ds.Height, ds.Width));
        Assert.Equal([0, 3, 9, 3], ds.Labels);                  // classes interleaved: airplane, cat, truck, then cat
        Assert.Equal(Cifar10.Classes, ds.ClassNames);
        Assert.Equal(20, ds.Pixels[0]);                          // airplane R at (0,0)
        Assert.Equal(21, ds.Pixels[1]);                          // R at (1,0): shade + x
        Assert.Equal(21, ds.Pixels[12 + 4]);                     // G plane at (0,1): shade + y
        Assert.Equal(20, ds.Pixels[24 + 11]);                    // B plane, last pixel
        Assert.Equal(10, ds.Pixels[36]);                         // second sample: the first cat (0000)
        Assert.Equal(1, ImageArchive.Load(p, "train").Count);
        Assert.Throws<EMambaException>(() => ImageArchive.Load(p, "valid"));
    }

    [Fact]
    public void OrderDoesNotDependOnArchiveOrderOrContainer()
    {
        string dir = TestFiles.TempDir(), a = Path.Combine(dir, "a.tar"), b = Path.Combine(dir, "b.zip");
        TestFiles.Tar(a, Entries("train/"), gzip: false);
        TestFiles.Zip(b, Entries("x/y/train/").Reverse());
        var da = ImageArchive.Load(a, "train");
        var db = ImageArchive.Load(b, "train");
        Assert.Equal(["airplane", "cat", "truck"], da.ClassNames);   // sorted names: not the CIFAR set
        Assert.Equal([0, 1, 2, 1], da.Labels);
        Assert.Equal(da.Labels, db.Labels);
        Assert.Equal(da.Pixels, db.Pixels);
        var dc = ImageArchive.Load(b, "train", ["truck", "cat", "airplane", "dog"]);
        Assert.Equal([0, 1, 2, 1], dc.Labels);                   // truck, cat, airplane, cat
        Assert.Equal(4, dc.ClassNames.Count);
        Assert.Contains("not in the class order", Assert.Throws<EMambaException>(() => ImageArchive.Load(b, "train", ["cat"])).Message);
    }

    [Fact]
    public void CifarClassNamesGetTheCanonicalOrderWithoutBeingTold()
    {
        string p = Path.Combine(TestFiles.TempDir(), "c.tgz");
        TestFiles.Tar(p, Cifar10.Classes.Reverse().Select(c => ($"test/{c}/0.jpg", Png(c.Length))));
        var ds = ImageArchive.Load(p, "test");
        Assert.Equal(Cifar10.Classes, ds.ClassNames);
        Assert.Equal(Enumerable.Range(0, 10), ds.Labels);
    }

    [Fact]
    public void GreyscaleArchiveHasOneChannel()
    {
        string p = Path.Combine(TestFiles.TempDir(), "g.zip");
        TestFiles.Zip(p, [("train/a/0.png", TestFiles.PngGrey(2, 2, (x, y) => (byte)(10 * x + y))), ("train/b/0.png", TestFiles.PngGrey(2, 2, (_, _) => 7))]);
        var ds = ImageArchive.Load(p, "train");
        Assert.Equal((2, 1, 2, 2), (ds.Count, ds.Channels, ds.Height, ds.Width));
        Assert.Equal([0, 10, 1, 11, 7, 7, 7, 7], ds.Pixels);
        // One colour image makes the whole split RGB.
        TestFiles.Zip(p = Path.Combine(TestFiles.TempDir(), "m.zip"), [("train/a/0.png", TestFiles.PngGrey(2, 2, (_, _) => 5)), ("train/b/0.png", TestFiles.Png(2, 2, (_, _) => (1, 2, 3)))]);
        ds = ImageArchive.Load(p, "train");
        Assert.Equal(3, ds.Channels);
        Assert.Equal([5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3], ds.Pixels);
    }

    [Fact]
    public void BadImagesAreNamedByEntry()
    {
        string dir = TestFiles.TempDir(), p = Path.Combine(dir, "s.tar.gz");
        TestFiles.Tar(p, [.. Entries("train/"), ("train/cat/big.png", TestFiles.Png(5, 3, (_, _) => (0, 0, 0)))]);
        var e = Assert.Throws<EMambaException>(() => ImageArchive.Load(p, "train"));
        Assert.Contains("train/cat/big.png is 5x3", e.Message);
        TestFiles.Tar(p, [.. Entries("train/"), ("train/cat/broken.jpg", [0xFF, 0xD8, 0xFF, 0x00, 1, 2, 3])]);
        e = Assert.Throws<EMambaException>(() => ImageArchive.Load(p, "train"));   // not an AggregateException
        Assert.Contains("train/cat/broken.jpg: cannot decode", e.Message);
    }

    [Fact]
    public void CorruptTruncatedAndNonArchivesAreRejected()
    {
        string dir = TestFiles.TempDir(), zip = Path.Combine(dir, "imgs.zip"), tgz = Path.Combine(dir, "imgs.tar.gz");
        TestFiles.Zip(zip, Entries("train/"));
        TestFiles.Tar(tgz, Entries("train/"));
        string bad = Path.Combine(dir, "bad.tar.gz");
        File.WriteAllBytes(bad, File.ReadAllBytes(zip)[..100]);        // a zip, whatever the name says
        Assert.Contains(bad, Assert.Throws<FileFormatException>(() => ImageArchive.Load(bad, "train")).Message);
        File.WriteAllBytes(bad, File.ReadAllBytes(tgz)[..200]);
        Assert.Contains("corrupt or truncated", Assert.Throws<FileFormatException>(() => ImageArchive.Load(bad, "train")).Message);
        File.WriteAllText(bad, "just text, long enough to be checked for a tar header ... ".PadRight(600, '.'));
        Assert.Contains("not an image archive", Assert.Throws<FileFormatException>(() => ImageArchive.Load(bad, "train")).Message);
        Assert.Contains("not found", Assert.Throws<EMambaException>(() => ImageArchive.Load(Path.Combine(dir, "none.zip"), "train")).Message);
    }

    [FactWhenData("cifar10/cifar10-jpeg.tar.gz")]
    public void RealCifarJpegTestSplitLoads()
    {
        var ds = Cifar10.Load(TestFiles.SharedData("cifar10/cifar10-jpeg.tar.gz")!, "test");
        Assert.Equal((10_000, 3, 32, 32), (ds.Count, ds.Channels, ds.Height, ds.Width));
        Assert.All(ds.Labels.CountBy(l => l), g => Assert.Equal(1_000, g.Value));
        Assert.Equal(Enumerable.Range(0, 10), ds.Labels.Take(10));   // interleaved: one of each class first
    }
}
