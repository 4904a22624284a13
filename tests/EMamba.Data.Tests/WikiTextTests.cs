using CsCheck;
using EMamba.Core;

namespace EMamba.Data.Tests;

public sealed class WikiTextTests
{
    [Fact]
    public void VocabularyEncodesWithEosPerLineAndUnk()
    {
        string dir = TestFiles.TempDir(), train = Path.Combine(dir, "train.txt"), test = Path.Combine(dir, "test.txt");
        File.WriteAllText(train, " the cat sat \n\n the\tdog \r\n");
        File.WriteAllText(test, " the bird \n last line without newline");
        var v = Vocabulary.Build(train);
        Assert.Equal(["the", "cat", "sat", "<eos>", "dog", "<unk>"], Enumerable.Range(0, v.Count).Select(v.Word));
        Assert.Equal([0, 1, 2, 3, 3, 0, 4, 3], v.Encode(train));   // the empty line still gives an <eos>
        Assert.Equal([0, 5, 3, 5, 5, 5, 5, 3], v.Encode(test));
        Assert.Equal(5, v["never seen"]);
        Assert.Throws<EMambaException>(() => Vocabulary.Build(Path.Combine(dir, "none.txt")));
    }

    [Fact]
    public void UnkKeepsItsPlaceWhenTheTextHasIt()
    {
        string p = Path.Combine(TestFiles.TempDir(), "t.txt");
        File.WriteAllText(p, "a <unk> b\n");
        var v = Vocabulary.Build(p);
        Assert.Equal(["a", "<unk>", "b", "<eos>"], Enumerable.Range(0, v.Count).Select(v.Word));
        Assert.Equal(1, v["zzz"]);
    }

    [Fact]
    public void SavedVocabularyLoadsWithTheSameIdsAndBadFilesAreRejected()
    {
        string dir = TestFiles.TempDir(), train = Path.Combine(dir, "train.txt"), saved = Path.Combine(dir, "vocab.txt");
        File.WriteAllText(train, "x y z\ny w\n");
        var v = Vocabulary.Build(train);
        v.Save(saved);
        var w = Vocabulary.Load(saved);
        Assert.Equal(v.Count, w.Count);
        Assert.Equal(Enumerable.Range(0, v.Count).Select(v.Word), Enumerable.Range(0, w.Count).Select(w.Word));
        Assert.Equal(v.Encode(train), w.Encode(train));

        File.WriteAllText(saved, "a\nb\na\n<eos>\n<unk>\n");
        Assert.Contains("line 3", Assert.Throws<EMambaException>(() => Vocabulary.Load(saved)).Message);
        File.WriteAllText(saved, "a\n\n<eos>\n<unk>\n");
        Assert.Contains("line 2", Assert.Throws<EMambaException>(() => Vocabulary.Load(saved)).Message);
        File.WriteAllText(saved, "a\n<eos>\n");
        Assert.Contains("lacks", Assert.Throws<EMambaException>(() => Vocabulary.Load(saved)).Message);
    }

    [Fact]
    public void ProtocolStatesTheUnknownShareOfEachEvaluationSplit()
    {
        string dir = TestFiles.TempDir();
        // valid.txt: 10 tokens ("a b c d\n" twice, 5 each) -> train = first 8, val = last 2 ("d <eos>").
        File.WriteAllText(Path.Combine(dir, "valid.txt"), "a b c d\na b c d\n");
        // test.txt: "a x y <eos>" -> x and y are unknown: 2 of 4 tokens.
        File.WriteAllText(Path.Combine(dir, "test.txt"), "a x y\n");
        var c = WikiText.Load(dir, 0.2);
        Assert.Equal(8, c.Train.Length);
        Assert.Contains("<unk> is 0.0 % of validation and 50.0 % of test tokens", c.Protocol);
        // With train.txt the validation file can have unknown words too: "q <eos>" -> 1 of 2.
        File.WriteAllText(Path.Combine(dir, "train.txt"), "a b c d\n");
        File.WriteAllText(Path.Combine(dir, "valid.txt"), "q\n");
        Assert.Contains("<unk> is 50.0 % of validation and 50.0 % of test tokens", WikiText.Load(dir, 0.2).Protocol);
    }

    [Fact]
    public void BatchifyKeepsStreamsContiguousAndDropsTheRemainder()
    {
        Assert.Equal(new[,] { { 0, 1, 2 }, { 3, 4, 5 } }, TokenBatches.Batchify([0, 1, 2, 3, 4, 5, 6], 2));
        Gen.Int[0, 50].Array[0, 300].Select(Gen.Int[1, 9], (t, b) => (t, b)).Sample(x =>
        {
            var m = TokenBatches.Batchify(x.t, x.b);
            int len = x.t.Length / x.b;
            Assert.Equal((x.b, len), (m.GetLength(0), m.GetLength(1)));
            // Reading the streams one after another gives back the tokens, minus the tail.
            Assert.Equal(x.t[..(x.b * len)], m.Cast<int>());
        });
        Assert.Throws<ArgumentOutOfRangeException>(() => TokenBatches.Batchify([1], 0));
    }

    // The data README: valid.txt is 217,646 tokens and test.txt 245,569, counting one <eos> per line.
    [FactWhenData("wikitext-2/valid.txt")]
    public void RealWikiText2HasTheDocumentedTokenCounts()
    {
        string valid = TestFiles.SharedData("wikitext-2/valid.txt")!;
        var v = Vocabulary.Build(valid);
        Assert.Equal(217_646, v.Encode(valid).Length);
        string? test = TestFiles.SharedData("wikitext-2/test.txt");
        if (test is not null) Assert.Equal(245_569, v.Encode(test).Length);
    }
}
