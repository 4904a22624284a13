namespace EMamba.Data.Tests;

public sealed class MetricsTests
{
    [Fact]
    public void AccuracyIsAPercentage()
    {
        Assert.Equal(2, Metrics.Correct([1, 2, 3, 4], [1, 0, 3, 0]));
        Assert.Equal(50.0, Metrics.Accuracy(2, 4));
        Assert.Equal(100.0, Metrics.Accuracy(Metrics.Correct([7], [7]), 1));
        Assert.True(double.IsNaN(Metrics.Accuracy(0, 0)));
        Assert.Throws<ArgumentException>(() => Metrics.Correct([1], [1, 2]));
    }

    [Fact]
    public void RegressionMatchesHandComputedValues()
    {
        // Two samples, two coordinates, metres -> cm. Errors (cm): coord 0: 1, 3; coord 1: -2, 4.
        var r = Metrics.Regression([0.01f, 0.00f, 0.03f, 0.04f], [0.00f, 0.02f, 0.00f, 0.00f], dims: 2);
        Assert.Equal(2.0, r.Mae[0], 5);                           // (1 + 3) / 2
        Assert.Equal(3.0, r.Mae[1], 5);                           // (2 + 4) / 2
        Assert.Equal(Math.Sqrt((1 + 9) / 2.0), r.Rmse[0], 5);
        Assert.Equal(Math.Sqrt((4 + 16) / 2.0), r.Rmse[1], 5);
        Assert.Equal(2.5, r.MeanMae, 5);
        Assert.Equal((Math.Sqrt(5) + Math.Sqrt(10)) / 2, r.MeanRmse, 5);
        var m = Metrics.Regression([1f, 2f], [0f, 0f], dims: 1, scale: 1);   // unscaled, one coordinate
        Assert.Equal(1.5, m.Mae[0]);
        Assert.Equal(Math.Sqrt(2.5), m.Rmse[0]);
        Assert.Throws<ArgumentException>(() => Metrics.Regression([1f, 2f, 3f], [1f, 2f, 3f], dims: 2));
        Assert.Throws<ArgumentException>(() => Metrics.Regression([], [], dims: 2));
    }

    [Fact]
    public void RegressionAccumulatesInDouble()
    {
        // 10^6 rows with a 0.1 cm error: a float running sum would drift visibly, a double one does not.
        var pred = new float[1_000_000];
        var target = new float[pred.Length];
        Array.Fill(pred, 0.001f);
        var r = Metrics.Regression(pred, target, dims: 1);
        Assert.Equal(0.1, r.Mae[0], 6);
        Assert.Equal(0.1, r.Rmse[0], 6);
    }

    [Fact]
    public void PerAxisAveragesTheMarsAxisMajorLayout()
    {
        var axes = new RegressionMetrics([1, 1, 2, 2, 3, 3], [1, 1, 2, 4, 3, 5]).PerAxis(joints: 2);
        Assert.Equal([(1.0, 1.0), (2.0, 3.0), (3.0, 4.0)], axes);
        double[] mars = [.. Enumerable.Repeat(1.0, 19), .. Enumerable.Repeat(2.0, 19), .. Enumerable.Repeat(6.0, 19)];
        Assert.Equal([(1.0, 1.0), (2.0, 2.0), (6.0, 6.0)], new RegressionMetrics(mars, mars).PerAxis());
        Assert.Throws<ArgumentException>(() => new RegressionMetrics(new double[5], new double[5]).PerAxis(2));
    }

    [Fact]
    public void PerplexityIsExpOfMeanNll()
    {
        Assert.Equal(Math.E, Metrics.Perplexity(10, 10), 12);
        Assert.Equal(4.0, Metrics.Perplexity(3 * Math.Log(4), 3), 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => Metrics.Perplexity(1, 0));
    }
}
