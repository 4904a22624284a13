using CsCheck;

namespace EMamba.Search.Tests;

/// <summary>Hypervolume on sets whose measure is known by hand, and its monotonicity.</summary>
public class HypervolumeTests
{
    [Fact]
    public void AStaircaseInTwoObjectives() =>
        Assert.Equal(6, Hypervolume.Of([[1, 3], [2, 2], [3, 1], [3, 3]], [4, 4]), 12);

    [Fact]
    public void TwoOverlappingBoxesInThreeObjectives()
    {
        Assert.Equal(1, Hypervolume.Of([[1, 1, 1]], [2, 2, 2]), 12);
        Assert.Equal(5, Hypervolume.Of([[0, 0, 1], [1, 1, 0]], [2, 2, 2]), 12);   // 4 + 2 - 1
    }

    [Fact]
    public void PointsOutsideTheReferenceAddNothing() =>
        Assert.Equal(0, Hypervolume.Of([[5, 1], [1, 4]], [4, 4]), 12);

    private static readonly Gen<double[][]> Sets = Gen.Double[0, 10].Array[3].Array[0, 12];

    [Fact]
    public void AddingAPointNeverShrinksItAndAFlatThirdObjectiveIsTheTwoObjectiveArea() =>
        Gen.Select(Sets, Gen.Double[0, 10].Array[3]).Sample((pts, extra) =>
        {
            double[] r = [10, 10, 10];
            Assert.True(Hypervolume.Of(pts.Append(extra), r) >= Hypervolume.Of(pts, r) - 1e-9);
            double flat = Hypervolume.Of(pts.Select(p => new[] { p[0], p[1], 4.0 }), r);
            Assert.Equal(Hypervolume.Of(pts.Select(p => new[] { p[0], p[1] }), [10, 10]) * 6, flat, 6);
        }, iter: 300);
}
