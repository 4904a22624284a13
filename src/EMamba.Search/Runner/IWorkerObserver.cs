using EMamba.Core;
using EMamba.Search.Storage;

namespace EMamba.Search.Runner;

/// <summary>What a worker tells its user: each trial as it starts and ends, and its training's epochs.</summary>
public interface IWorkerObserver
{
    void Info(string text);
    void TrialStarted(Trial trial, string summary);
    /// <summary>The stored trial as it ended (null when the worker lost it to a stale verdict).</summary>
    void TrialEnded(int number, Trial? ended);
    /// <summary>The trainer's events for the running trial.</summary>
    ITrainObserver Training { get; }
}

public sealed class SilentWorkerObserver : IWorkerObserver
{
    public static readonly SilentWorkerObserver Instance = new();
    public void Info(string text) { }
    public void TrialStarted(Trial trial, string summary) { }
    public void TrialEnded(int number, Trial? ended) { }
    public ITrainObserver Training => SilentObserver.Instance;
}
