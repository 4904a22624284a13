using CsCheck;
using EMamba.Core;

namespace EMamba.Data.Tests;

public sealed class WikiTextAndMetricsTests
{
    [Fact]
    public void VocabularyEncodesWithEosPerLineAndUnk()
    {
        string dir = TestFiles.TempDir(), train = Path.Combine(dir, "train.txt"), test = Path.Combine(dir, "test.txt");
        File.WriteAllText(train, " the cat sat \n\n the dog \n");
        File.WriteAllText(test, " the bird \n");
        var v = Vocabulary.Build(train);
        Assert.Equal(["the", "cat", "sat", "<eos>", "dog", "<unk>"], Enumerable.Range(0, v.Count).Select(v.Word));
        Assert.Equal([0, 1, 2, 3, 3, 0, 4, 3], v.Encode(train));
        Assert.Equal([0, 5, 3], v.Encode(test));
        string saved = Path.Combine(dir, "vocab.txt");
        v.Save(saved);
        var w = Vocabulary.Load(saved);
        Assert.Equal(v.Encode(test), w.Encode(test));
        Assert.Throws<EMambaException>(() => Vocabulary.Build(Path.Combine(dir, "none.txt")));
    }

    [Fact]
    public void BatchifyKeepsStreamsContiguous()
    {
        Gen.Int[0, 50].Array[0, 300].Select(Gen.Int[1, 9], (t, b) => (t, b)).Sample(x =>
        {
            var m = TokenBatches.Batchify(x.t, x.b);
            int len = x.t.Length / x.b;
            Assert.Equal(len, m.GetLength(1));
            for (int b = 0; b < x.b; b++)
                for (int i = 0; i < len; i++) Assert.Equal(x.t[b * len + i], m[b, i]);
        });
    }

    [Fact]
    public void RealWikiText2ValidHasTheDocumentedTokenCount()
    {
        string p = Path.Combine(AppContext.BaseDirectory, "../../../../../../shared/data/wikitext-2/valid.txt");
        if (!File.Exists(p)) return;   // optional on a test machine
        Assert.Equal(217_646, Vocabulary.Build(p).Encode(p).Length);
    }

    [Fact]
    public void MetricsMatchHandComputedValues()
    {
        Assert.Equal(50.0, Metrics.Accuracy([1, 2, 3, 4], [1, 0, 3, 0]));
        // two samples, two coordinates, metres -> cm
        var r = Metrics.Regression([0.01f, 0.00f, 0.03f, 0.04f], [0.00f, 0.02f, 0.00f, 0.00f], dims: 2);
        Assert.Equal(2.0, r.Mae[0], 4);                           // (1 + 3) / 2
        Assert.Equal(3.0, r.Mae[1], 4);                           // (2 + 4) / 2
        Assert.Equal(Math.Sqrt((1 + 9) / 2.0), r.Rmse[0], 4);
        Assert.Equal(Math.Sqrt((4 + 16) / 2.0), r.Rmse[1], 4);
        Assert.Equal(2.5, r.MeanMae, 4);
        var axes = new RegressionMetrics([1, 1, 2, 2, 3, 3], [1, 1, 2, 2, 3, 3]).PerAxis(joints: 2);
        Assert.Equal([(1.0, 1.0), (2.0, 2.0), (3.0, 3.0)], axes);
        Assert.Equal(Math.E, Metrics.Perplexity(10, 10), 10);
    }
}
