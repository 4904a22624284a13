namespace EMamba.Search.Tests;

/// <summary>ASHA's rung arithmetic and its continue / prune rule on hand-made rungs.</summary>
public class AshaTests
{
    [Fact]
    public void RungsAreMinTimesEtaToTheKBelowMax()
    {
        Assert.Equal([1, 3], new Asha(1, 9, 3).Rungs());
        Assert.Equal([10, 30], new Asha(10, 90, 3).Rungs());
        Assert.Equal([1, 3, 9], new Asha(1, 27, 3).Rungs());
        Assert.Equal([1, 3, 9, 27], new Asha(1, 28, 3).Rungs());
        Assert.Equal([2, 4, 8], new Asha(2, 10, 2).Rungs());
        Assert.Empty(new Asha(5, 5, 2).Rungs());
        Assert.Throws<ArgumentException>(() => new Asha(1, 9, 1).Rungs());
        Assert.Throws<ArgumentException>(() => new Asha(10, 9, 3).Rungs());
    }

    [Fact]
    public void RungAtKnowsOnlyTheRungEpochs()
    {
        var a = new Asha(10, 90, 3);
        Assert.Equal(0, a.RungAt(10));
        Assert.Equal(1, a.RungAt(30));
        Assert.Null(a.RungAt(20));
        Assert.Null(a.RungAt(90));
    }

    [Fact]
    public void ExpectedEpochsAddTheShareReachingEachRung()
    {
        Assert.Equal(10 + 20 / 3.0 + 60 / 9.0, new Asha(10, 90, 3).ExpectedEpochs(), 12);
        Assert.Equal(1 + 2 / 3.0 + 6 / 9.0, new Asha(1, 9, 3).ExpectedEpochs(), 12);
        Assert.Equal(5, new Asha(5, 5, 2).ExpectedEpochs(), 12);
    }

    private static readonly Asha A = new(1, 9, 3);
    private static Dictionary<int, double> At(params double[] v) => v.Select((x, i) => (x, i)).ToDictionary(t => t.i, t => t.x);

    [Fact]
    public void TheFirstArrivalsContinueOnlyIfBestSoFar()
    {
        Assert.Equal(AshaDecision.Continue, A.Decide(0, 0, 0.5, At()));
        Assert.Equal(AshaDecision.Prune, A.Decide(1, 0, 0.6, At(0.5)));
        Assert.Equal(AshaDecision.Continue, A.Decide(1, 0, 0.4, At(0.5)));
        Assert.Equal(AshaDecision.Continue, A.Decide(1, 0, 0.5, At(0.5)));   // ties continue
    }

    [Fact]
    public void WithNValuesTheBestNOverEtaContinue()
    {
        // Eight others + this one = 9 values: the best 3 continue.
        var others = At(0.1, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9);
        Assert.Equal(AshaDecision.Continue, A.Decide(8, 0, 0.3, others));
        Assert.Equal(AshaDecision.Prune, A.Decide(8, 0, 0.45, others));
        // Five values: floor(5/3) = 1, only the best.
        Assert.Equal(AshaDecision.Prune, A.Decide(4, 1, 0.3, At(0.1, 0.2, 0.4, 0.5)));
        Assert.Equal(AshaDecision.Continue, A.Decide(4, 1, 0.05, At(0.1, 0.2, 0.4, 0.5)));
    }

    [Fact]
    public void TheTrialsOwnEntryIsReplacedAndNaNsRankLast()
    {
        Assert.Equal(AshaDecision.Continue, A.Decide(0, 0, 0.1, At(0.9, 0.5)));       // its own 0.9 replaced by 0.1
        Assert.Equal(AshaDecision.Prune, A.Decide(5, 0, double.NaN, At(0.5)));
        Assert.Equal(AshaDecision.Continue, A.Decide(1, 0, 7.0, At(double.NaN)));
        Assert.Throws<ArgumentOutOfRangeException>(() => A.Decide(0, 2, 0.1, At()));
    }
}
