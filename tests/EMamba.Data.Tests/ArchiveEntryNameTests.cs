using EMamba.Core;

namespace EMamba.Data.Tests;

/// <summary>Entries outside the archive's own tree and empty images are errors naming the entry.</summary>
public sealed class ArchiveEntryNameTests
{
    private static byte[] Png(int shade) => TestFiles.Png(4, 3, (x, y) => ((byte)shade, (byte)x, (byte)y));

    private static IEnumerable<(string, byte[])> Good() => [("test/cat/0.png", Png(1)), ("test/dog/0.png", Png(2))];

    [Theory]
    [InlineData("../test/cat/x.png", "a '..' component")]
    [InlineData("root/../test/cat/x.png", "a '..' component")]
    [InlineData("/abs/test/cat/x.png", "an absolute path")]
    public void TarEntriesOutsideTheArchiveAreRefused(string name, string why)
    {
        string p = Path.Combine(TestFiles.TempDir(), "evil.tar.gz");
        TestFiles.Tar(p, Good().Append((name, Png(3))));
        var e = Assert.Throws<EMambaException>(() => ImageArchive.Load(p, "test"));
        Assert.Equal($"{p}: entry {name} has {why}; archive entries must be relative paths inside the archive", e.Message);
    }

    [Theory]
    [InlineData("../test/cat/x.png")]
    [InlineData("/abs/test/cat/x.png")]
    public void ZipEntriesOutsideTheArchiveAreRefused(string name)
    {
        string p = Path.Combine(TestFiles.TempDir(), "evil.zip");
        TestFiles.Zip(p, Good().Append((name, Png(3))));
        var e = Assert.Throws<EMambaException>(() => ImageArchive.Load(p, "test"));
        Assert.StartsWith($"{p}: entry {name} has ", e.Message);
    }

    [Theory]
    [InlineData("evil.tar.gz")]
    [InlineData("evil.zip")]
    public void AnEmptyImageIsAnErrorNotASilentSkip(string file)
    {
        string p = Path.Combine(TestFiles.TempDir(), file);
        var entries = Good().Append(("test/cat/1.png", Array.Empty<byte>()));
        if (file.EndsWith(".zip")) TestFiles.Zip(p, entries); else TestFiles.Tar(p, entries);
        var e = Assert.Throws<EMambaException>(() => ImageArchive.Load(p, "test"));
        Assert.Equal($"{p}: entry test/cat/1.png is empty (0 bytes); expected an image", e.Message);
    }

    [Fact]
    public void DotComponentsAndDotDotInsideANameAreFine()
    {
        string p = Path.Combine(TestFiles.TempDir(), "ok.tar.gz");
        TestFiles.Tar(p, [("./test/cat/a..b.png", Png(1)), ("test/dog/0.png", Png(2))]);
        Assert.Equal(2, ImageArchive.Load(p, "test").Count);
    }
}
