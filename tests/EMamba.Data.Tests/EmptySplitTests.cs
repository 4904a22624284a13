using EMamba.Core;

namespace EMamba.Data.Tests;

/// <summary>An empty split is an error naming it, not "accuracy NaN %" with exit 0.</summary>
public sealed class EmptySplitTests
{
    [Fact]
    public void AFashionMnistTestSplitWithNoImagesIsAnError()
    {
        string dir = TestFiles.TempDir();
        File.WriteAllBytes(Path.Combine(dir, "t10k-images-idx3-ubyte"), TestFiles.Idx([], 0, 28, 28));
        File.WriteAllBytes(Path.Combine(dir, "t10k-labels-idx1-ubyte"), TestFiles.Idx([], 0));
        var e = Assert.Throws<EMambaException>(() => FashionMnist.Load(dir, "test"));
        Assert.Equal($"{dir}: the test split has no samples", e.Message);
        Assert.Equal(ExitCodes.BadInput, e.ExitCode);
    }

    [Fact]
    public void AnEmptyPickIsAnErrorAndANonEmptyOneIsReturned()
    {
        string dir = TestFiles.TempDir();
        File.WriteAllBytes(Path.Combine(dir, "t10k-images-idx3-ubyte"), TestFiles.Idx(new byte[2 * 4], 2, 2, 2));
        File.WriteAllBytes(Path.Combine(dir, "t10k-labels-idx1-ubyte"), TestFiles.Idx([1, 2], 2));
        var ds = FashionMnist.Load(dir, "test");
        Assert.Same(ds, SplitChecks.NonEmpty(ds, "test"));
        var e = Assert.Throws<EMambaException>(() => SplitChecks.NonEmpty(((IDataset)ds).Pick([]), "val"));
        Assert.Equal($"{dir}: the val split has no samples", e.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("the cat sat")]
    public void AShortWikiTextTestFileSaysHowManyTokensThereAreAndAreNeeded(string text)
    {
        string dir = TestFiles.TempDir();
        File.WriteAllText(Path.Combine(dir, "valid.txt"), string.Join('\n', Enumerable.Range(0, 50).Select(i => $"w{i % 7} w{i % 5} the cat")));
        File.WriteAllText(Path.Combine(dir, "test.txt"), text);
        var corpus = WikiText.Load(dir, 0.1);
        var e = Assert.Throws<EMambaException>(() => SplitChecks.EnoughTokens(corpus.Test, 16, $"{dir}: the test split", "2 per stream for 8 streams"));
        Assert.Equal($"{dir}: the test split has {corpus.Test.Length:N0} tokens; scoring needs at least 16 (2 per stream for 8 streams)", e.Message);
        Assert.True(corpus.Test.Length < 16);
    }
}
