using CsCheck;

namespace EMamba.Search.Tests;

/// <summary>NSGA-II's sorting, crowding and selection on known fronts, and the sorting's defining
/// properties on random point sets (ties and duplicates included: coordinates are small integers).</summary>
public class Nsga2Tests
{
    private static double[] P(params double[] x) => x;

    [Fact]
    public void AKnownSetSortsIntoItsFronts()
    {
        var pts = new[] { P(1, 5), P(2, 3), P(3, 1), P(2, 4), P(4, 4), P(5, 5) };
        Assert.Equal([[0, 1, 2], [3], [4], [5]], Nsga2.Fronts(pts));
    }

    private static readonly Gen<double[][]> Sets =
        Gen.Int[1, 3].SelectMany(k => Gen.Int[0, 6].Select(v => (double)v).Array[k].Array[1, 40]);

    [Fact]
    public void EveryPointIsInOneFrontDominatedOnlyByEarlierFrontsAndByTheOneBefore() =>
        Sets.Sample(pts =>
        {
            var fronts = Nsga2.Fronts(pts);
            Assert.Equal(Enumerable.Range(0, pts.Length), fronts.SelectMany(f => f).Order());
            for (int k = 0; k < fronts.Count; k++)
                foreach (int i in fronts[k])
                {
                    for (int later = k; later < fronts.Count; later++)
                        Assert.DoesNotContain(fronts[later], j => Dominance.Dominates(pts[j], pts[i]));
                    if (k > 0) Assert.Contains(fronts[k - 1], j => Dominance.Dominates(pts[j], pts[i]));
                }
        }, iter: 300);

    [Fact]
    public void CrowdingGivesTheEndsInfinityAndTheMiddleItsNormalisedGaps()
    {
        var pts = new[] { P(1, 4), P(2, 3), P(3, 2), P(4, 1) };
        var d = Nsga2.Crowding(pts, [0, 1, 2, 3]);
        Assert.True(double.IsPositiveInfinity(d[0]) && double.IsPositiveInfinity(d[3]));
        Assert.Equal(4.0 / 3, d[1], 12);
        Assert.Equal(4.0 / 3, d[2], 12);
    }

    [Fact]
    public void SelectionTakesWholeFrontsThenTheLeastCrowded()
    {
        // Front 0: five points on a line; keep 3 of them: the two ends and the one with the widest gaps.
        var pts = new[] { P(0, 10), P(1, 9), P(5, 5), P(9, 1), P(10, 0), P(10, 10) };
        Assert.Equal([0, 4, 2], Nsga2.Select(pts, 3));
        Assert.Equal([0, 1, 2, 3, 4, 5], Nsga2.Select(pts, 6).Order());
        Assert.Throws<ArgumentOutOfRangeException>(() => Nsga2.Select(pts, 7));
    }

    [Fact]
    public void DominanceNeedsOneStrictImprovementAndEqualLengths()
    {
        Assert.True(Dominance.Dominates(P(1, 2), P(1, 3)));
        Assert.False(Dominance.Dominates(P(1, 3), P(1, 3)));
        Assert.False(Dominance.Dominates(P(0, 4), P(1, 3)));
        Assert.Throws<ArgumentException>(() => Dominance.Dominates(P(1), P(1, 2)));
    }
}
