using System.Globalization;

namespace EMamba.Search.Storage;

/// <summary>The rules both backends apply before writing, so that they agree on what a finished trial holds
/// and no non-finite value reaches a table.</summary>
internal static class TrialOutcome
{
    /// <summary>What <see cref="IStudyStorage.Finish"/> stores for the state and values a worker reports.</summary>
    public static (TrialState State, double[]? Values, string? Message) Resolve(
        StudyInfo study, int trial, TrialState state, IReadOnlyList<double>? values, string? message)
    {
        if (!state.IsFinished())
            throw new ArgumentException($"trial {trial} of '{study.Name}' can only finish as Complete, Pruned or Failed, not {state}", nameof(state));
        if (state == TrialState.Failed) return (state, null, message);
        if (values is null)
        {
            if (state == TrialState.Complete)
                throw new ArgumentException($"trial {trial} of '{study.Name}': a Complete trial needs its objective values", nameof(values));
            return (state, null, message);
        }
        if (values.Count != study.Objectives.Count)
            throw new ArgumentException($"trial {trial} of '{study.Name}': {values.Count} values for {study.Objectives.Count} objectives "
                + StudyInfo.Describe(study.Objectives), nameof(values));
        for (int i = 0; i < values.Count; i++)
            if (!double.IsFinite(values[i]))
                return (TrialState.Failed, null, $"objective '{study.Objectives[i].Name}' is {Shown(values[i])}"
                    + (message is null ? "" : $" ({state}: {message})"));
        return (state, [.. values], message);
    }

    /// <summary>The failure message of a report with a non-finite value, or null when every value is finite.</summary>
    public static string? Diverged(int step, IReadOnlyList<double> values)
    {
        for (int i = 0; i < values.Count; i++)
            if (!double.IsFinite(values[i])) return $"diverged at step {step}: value {i} is {Shown(values[i])}";
        return null;
    }

    public static string Stale(string? worker, DateTime heartbeat) =>
        $"worker {worker} died: no heartbeat since {heartbeat.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture)} UTC";

    public static void CheckWorker(string worker)
    {
        if (string.IsNullOrWhiteSpace(worker)) throw new ArgumentException("a worker needs an id (e.g. host:pid)", nameof(worker));
    }

    private static string Shown(double v) => double.IsNaN(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf";
}
