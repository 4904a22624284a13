using EMamba.Search.Space;
using EMamba.Search.Storage;

namespace EMamba.Search.Runner;

/// <summary>One-line facts about a study's trials, for progress displays and the end of a run.</summary>
public static class StudySummary
{
    /// <summary>Trials that ended for good: finished, except those failed by a dead worker (their retry counts instead).</summary>
    public static int Done(IReadOnlyList<Trial> trials) => trials.Count(t => t.State.IsFinished() && !Study.Retryable(t));

    /// <summary>The complete trial that meets every constraint with the best value of the first objective (the
    /// task metric in the example spaces); ties to the lower number. Null when there is none.</summary>
    public static Trial? Best(Study study, IReadOnlyList<Trial> trials)
    {
        var first = study.Space.Objectives[0];
        return trials.Where(t => t.State == TrialState.Complete && t.Values != null && study.Violation(t, Study.Values(t)) == 0)
            .OrderBy(t => first.Minimised(t.Values![0])).ThenBy(t => t.Number).FirstOrDefault();
    }

    /// <summary>Minutes from the first trial's start to the last one's finish (pauses and idle time included);
    /// null before any trial finished.</summary>
    public static double? WallMinutes(IReadOnlyList<Trial> trials)
    {
        var starts = trials.Where(t => t.Started != null).Select(t => t.Started!.Value).ToList();
        var ends = trials.Where(t => t.Finished != null).Select(t => t.Finished!.Value).ToList();
        return starts.Count == 0 || ends.Count == 0 ? null : (ends.Max() - starts.Min()).TotalMinutes;
    }

    public static string Counts(IReadOnlyList<Trial> trials) =>
        string.Join(", ", Enum.GetValues<TrialState>().Select(s => (s, n: trials.Count(t => t.State == s))).Where(x => x.n > 0)
            .Select(x => $"{x.n} {x.s.ToString().ToLowerInvariant()}"));
}
