namespace EMamba.Search.Storage;

/// <summary>Where a trial is in its life: Waiting (enqueued, no worker yet) -> Running (one worker owns it
/// and sends heartbeats) -> Complete, Pruned or Failed. The last three are final: nothing changes them.</summary>
public enum TrialState { Waiting, Running, Complete, Pruned, Failed }

public static class TrialStates
{
    public static bool IsFinished(this TrialState s) => s is TrialState.Complete or TrialState.Pruned or TrialState.Failed;

    /// <summary>The spelling stored in a database column (readable with sqlite3 / psql).</summary>
    internal static string Column(this TrialState s) => s switch
    {
        TrialState.Waiting => "waiting",
        TrialState.Running => "running",
        TrialState.Complete => "complete",
        TrialState.Pruned => "pruned",
        TrialState.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(s), s, null),
    };

    internal static TrialState FromColumn(string s) => s switch
    {
        "waiting" => TrialState.Waiting,
        "running" => TrialState.Running,
        "complete" => TrialState.Complete,
        "pruned" => TrialState.Pruned,
        "failed" => TrialState.Failed,
        _ => throw new StudyStorageException($"unknown trial state '{s}' in the database"),
    };
}
