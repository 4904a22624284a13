using EMamba.Reports;
using Xunit;

namespace EMamba.Reports.Tests;

public class FiguresTests
{
    [Theory]
    [InlineData("accuracy", "test", "test accuracy %")]
    [InlineData("mae_cm", "val", "val MAE cm")]
    [InlineData("rmse_cm", "train", "train RMSE cm")]
    [InlineData("perplexity", "val", "val perplexity")]
    public void MetricHeaderNamesTheSplitItWasMeasuredOn(string metric, string split, string header) =>
        Assert.Equal(header, Figures.MetricHeader(metric, split));

    [Fact]
    public void MetricHeaderDefaultsToTheTestSplit() => Assert.Equal("test accuracy %", Figures.MetricHeader("accuracy"));
}
