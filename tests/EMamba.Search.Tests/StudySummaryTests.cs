using EMamba.Search.Runner;
using EMamba.Search.Storage;

namespace EMamba.Search.Tests;

/// <summary>The report's wall time: the first trial's start to the last one's finish, whatever their order.</summary>
public class StudySummaryTests
{
    private static Trial At(int number, TrialState state, DateTime? started, DateTime? finished) =>
        new("s", number, state, TrialParams.Empty, null, new Dictionary<int, double[]>(), null, started, null, finished, null, null);

    [Fact]
    public void WallMinutesSpanTheFirstStartToTheLastFinish()
    {
        var t0 = new DateTime(2026, 12, 6, 22, 0, 0, DateTimeKind.Utc);
        Assert.Null(StudySummary.WallMinutes([At(0, TrialState.Running, t0, null)]));
        Assert.Equal(95, StudySummary.WallMinutes([
            At(0, TrialState.Complete, t0.AddMinutes(5), t0.AddMinutes(95)),
            At(1, TrialState.Pruned, t0, t0.AddMinutes(20)),
            At(2, TrialState.Running, t0.AddMinutes(90), null)]));
    }
}
