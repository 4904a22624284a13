using EMamba.Search.Runner;
using EMamba.Search.Space;

namespace EMamba.Search.Tests;

/// <summary>The comparison with a hand-chosen model: issue 19's "at least as accurate with fewer cycles or
/// parameters" and full Pareto dominance, with minimised and maximised metrics.</summary>
public class HandChosenTests
{
    private static readonly Objective[] Mae = [new(ObjectiveKind.MetricInt8, Direction.Minimize), new(ObjectiveKind.Params, Direction.Minimize), new(ObjectiveKind.Cycles, Direction.Minimize)];
    private static readonly Objective[] Acc = [new(ObjectiveKind.MetricInt8, Direction.Maximize), new(ObjectiveKind.Params, Direction.Minimize), new(ObjectiveKind.Energy, Direction.Minimize)];

    [Theory]
    [InlineData(5.9, 9000, 400, true, false)]    // better metric, fewer params, more cycles: beaten, not dominated
    [InlineData(5.97, 9717, 300, true, true)]    // equal metric and params, fewer cycles: both
    [InlineData(5.98, 100, 100, false, false)]   // a worse metric never beats it
    [InlineData(5.97, 9717, 319, false, false)]  // equal everywhere: neither
    [InlineData(5.0, 9717, 319, false, true)]    // only the metric better: dominates, but not fewer params or cycles
    public void AMinimisedMetric(double metric, double parameters, double cycles, bool beaten, bool dominated)
    {
        var h = new HandChosen("hand", "h.q.safetensors", [5.97, 9717, 319]);
        Assert.Equal(beaten, h.BeatenBy(Mae, [metric, parameters, cycles], strict: false));
        Assert.Equal(dominated, h.BeatenBy(Mae, [metric, parameters, cycles], strict: true));
    }

    [Fact]
    public void AMaximisedMetricAndAnEnergyObjective()
    {
        var h = new HandChosen("hand", "h.q.safetensors", [90.0, 20_000, 50]);
        Assert.True(h.BeatenBy(Acc, [90.5, 19_000, 60], strict: false));
        Assert.False(h.BeatenBy(Acc, [89.9, 10_000, 10], strict: false));
        // Less energy alone is not issue 19's "fewer cycles or parameters", but it is dominance.
        Assert.False(h.BeatenBy(Acc, [90.0, 20_000, 40], strict: false));
        Assert.True(h.BeatenBy(Acc, [90.0, 20_000, 40], strict: true));
    }
}
