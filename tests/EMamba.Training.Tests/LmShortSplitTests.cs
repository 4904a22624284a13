using EMamba.Core;
using EMamba.Training.Modules;
using EMamba.Training.Modules.Baselines;
using EMamba.Training.Eval;
using EMamba.Training.Scan;

namespace EMamba.Training.Tests;

/// <summary>Scoring an empty or 3-token split is a clear error, not an unhandled ArgumentException.</summary>
[Collection("torch")]
public sealed class LmShortSplitTests
{
    private static ModelConfig Tiny(Arch arch = Arch.Mamba) => new()
    {
        Task = TaskKind.Wikitext2, Head = Head.Lm, Arch = arch, Vocab = 23, DModel = 16, DState = 4, NLayers = 1,
    };

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    public void AMambaLmSaysHowManyTokensAreNeeded(int n)
    {
        var model = new MambaLM(Tiny());
        var e = Assert.Throws<EMambaException>(() => LmEval.ScoreSplit(model, new int[n], 32, 8, what: "wt: the test split"));
        Assert.Equal($"wt: the test split has {n} tokens; scoring needs at least 16 (2 per stream for 8 streams)", e.Message);
    }

    [Fact]
    public void AWindowedLmSaysHowManyTokensAreNeeded()
    {
        var model = new TransformerLM(Tiny(Arch.Transformer));
        var e = Assert.Throws<EMambaException>(() => LmEval.ScoreSplit(model, [1, 2, 3], 32, 8, what: "wt: the test split"));
        Assert.Equal("wt: the test split has 3 tokens; scoring needs at least 33 (one window of 32 tokens and its next-token target)", e.Message);
    }
}
