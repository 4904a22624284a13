namespace EMamba.Search.Storage;

/// <summary>One trial as the storage holds it (a snapshot: ask the storage again for news).</summary>
/// <param name="Study">The study's name.</param>
/// <param name="Number">Unique within the study, allocated 0, 1, 2, ... with no gaps, in creation order.</param>
/// <param name="Params">The parameters, in the sampler's order.</param>
/// <param name="Values">The objective values, one per <see cref="StudyInfo.Objectives"/>, all finite; null unless
/// Complete (a Pruned trial may carry the values it had when it was stopped).</param>
/// <param name="Reports">Intermediate values by step (e.g. per-epoch metrics), in increasing step order.</param>
/// <param name="Worker">Who claimed it; null while Waiting.</param>
/// <param name="Message">Why it failed or was pruned (e.g. "worker w1 died: no heartbeat since ...").</param>
/// <param name="RetryOf">The number of the failed trial this one repeats.</param>
public sealed record Trial(
    string Study,
    int Number,
    TrialState State,
    TrialParams Params,
    double[]? Values,
    IReadOnlyDictionary<int, double[]> Reports,
    string? Worker,
    DateTime? Started,
    DateTime? Heartbeat,
    DateTime? Finished,
    string? Message,
    int? RetryOf);
