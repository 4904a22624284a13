namespace EMamba.Core;

/// <summary>What a library stage (train, evaluate, fit, ablation, suite) tells its caller while it
/// runs: one-line messages, and each training run it starts, so a console can draw a progress bar
/// around it. Stages never write to the console themselves.</summary>
public interface IStageObserver
{
    void Info(string text);

    /// <summary>Runs one training <paramref name="body"/> with an observer for its epochs and batches.</summary>
    /// <param name="metric">the task metric's name (accuracy, mae_cm, perplexity), for epoch lines</param>
    T Training<T>(string metric, Func<ITrainObserver, T> body);
}

/// <summary>Says nothing: the default for library callers and tests.</summary>
public sealed class SilentStageObserver : IStageObserver
{
    public static readonly SilentStageObserver Instance = new();
    public void Info(string text) { }
    public T Training<T>(string metric, Func<ITrainObserver, T> body) => body(SilentObserver.Instance);
}
