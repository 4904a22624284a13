using Spectre.Console;
using EMamba.Core;
using EMamba.Reports;
using EMamba.Training.Scan;

namespace EMamba.Cli;

/// <summary>Shows training as a live progress bar on a terminal and as one line per epoch otherwise
/// (logs, CI), so redirected output stays readable.</summary>
public sealed class ConsoleObserver : ITrainObserver
{
    private readonly ProgressContext? ctx;
    private ProgressTask? task;
    private readonly string metric;
    private double emaLoss = double.NaN;

    private ConsoleObserver(ProgressContext? ctx, string metric) { this.ctx = ctx; this.metric = metric; }

    public static bool Interactive => AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected;

    /// <summary>Runs <paramref name="body"/> with an observer bound to a progress display when interactive.</summary>
    /// <param name="metric">the task metric's name (accuracy, mae_cm), for the epoch lines</param>
    public static T Run<T>(string metric, Func<ITrainObserver, T> body)
    {
        if (!Interactive) return body(new ConsoleObserver(null, metric));
        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(c => result = body(new ConsoleObserver(c, metric)));
        return result;
    }

    public void Message(string text) => App.Info(text);

    public void EpochStarted(int epoch, int epochs, int batches)
    {
        emaLoss = double.NaN;
        if (ctx != null) task = ctx.AddTask($"epoch {epoch}/{epochs}", maxValue: batches);
    }

    public void BatchDone(int batch, double loss)
    {
        emaLoss = double.IsNaN(emaLoss) ? loss : 0.95 * emaLoss + 0.05 * loss;
        if (task != null)
        {
            task.Value = batch;
            if (batch % 10 == 0) task.Description = $"{task.Description.Split(" loss")[0]} loss {emaLoss:F4}";
        }
    }

    public void EpochDone(EpochRecord r, bool isBest)
    {
        string m = metric == "accuracy" ? "acc" : metric.Replace("_cm", "");
        string line = $"epoch {r.Epoch}: train loss {r.TrainLoss:F4} {m} {Fmt(r.TrainMetric)} | val loss {r.ValLoss:F4} " +
                      $"{m} {Fmt(r.ValMetric)} | lr {r.Lr:E2} | {r.EpochSeconds:F0}s {r.SamplesPerSecond:F0} samples/s{(isBest ? " *best" : "")}";
        if (task != null) { task.Description = $"epoch {r.Epoch}: val {m} {Fmt(r.ValMetric)}{(isBest ? " *" : "")}"; task.StopTask(); }
        else Console.WriteLine(line);
    }

    private string Fmt(double v) => Figures.Format(metric, v).Replace(" %", "%");
}
