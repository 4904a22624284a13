using EMamba.Core;

namespace EMamba.Cli;

/// <summary>Shows a library stage on the console: its messages as grey lines, each training run it
/// starts with a progress bar (or one line per epoch when output is redirected).</summary>
public sealed class ConsoleStageObserver : IStageObserver
{
    public static readonly ConsoleStageObserver Instance = new();
    public void Info(string text) => App.Info(text);
    public T Training<T>(string metric, Func<ITrainObserver, T> body) => ConsoleObserver.Run(metric, body);
}
