using System.Globalization;
using EMamba.Core;
using EMamba.Search.Runner;
using EMamba.Search.Storage;
using Spectre.Console;

namespace EMamba.Cli;

/// <summary>Shows a search worker on the console: on a terminal a progress bar over the study's trials with the
/// current best and one over the running trial's epochs; otherwise (logs, tests) one line per trial and epoch.</summary>
public sealed class ConsoleSearchObserver : IWorkerObserver, ITrainObserver
{
    private readonly Study study;
    private readonly ProgressTask? trials;
    private readonly ProgressContext? ctx;
    private ProgressTask? epochs;
    private int current = -1;

    private ConsoleSearchObserver(Study study, ProgressContext? ctx, int target)
    {
        this.study = study; this.ctx = ctx;
        trials = ctx?.AddTask("trials", maxValue: target);
        if (trials != null) Refresh();
    }

    /// <summary>Runs <paramref name="body"/> with the observer bound to a live display when interactive.</summary>
    public static void Run(Study study, int target, Action<IWorkerObserver> body)
    {
        if (!ConsoleObserver.Interactive) { body(new ConsoleSearchObserver(study, null, target)); return; }
        AnsiConsole.Progress().AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .Start(c => body(new ConsoleSearchObserver(study, c, target)));
    }

    public ITrainObserver Training => this;

    public void Info(string text) => App.Info(text);

    public void TrialStarted(Trial trial, string summary)
    {
        current = trial.Number;
        App.Info($"trial {trial.Number}{(trial.RetryOf is int r ? $" (retry of {r})" : "")}: {summary}");
    }

    public void TrialEnded(int number, Trial? ended)
    {
        string how = ended is null ? "lost (failed as stale by another worker)"
            : ended.State + (ended.Values is { } v ? " " + Values(v) : "") + (ended.Message is { } m ? $": {m}" : "");
        if (ctx is null) Console.WriteLine($"trial {number}: {how}");
        else App.Info($"trial {number}: {how}");
        epochs?.StopTask();
        Refresh();
    }

    public void Message(string text) { }

    public void EpochStarted(int epoch, int epochs, int batches)
    {
        if (ctx is null) return;
        this.epochs ??= ctx.AddTask($"trial {current}", maxValue: epochs);
        this.epochs.MaxValue = epochs;
        this.epochs.Value = epoch - 1;
    }

    public void BatchDone(int batch, double loss) { }

    public void EpochDone(EpochRecord r, bool isBest)
    {
        string line = string.Create(CultureInfo.InvariantCulture, $"trial {current} epoch {r.Epoch}: val {Metric} {r.ValMetric:G5} ({r.EpochSeconds:F1} s)");
        if (epochs is null) { Console.WriteLine(line); return; }
        epochs.Description = line;
        epochs.Value = r.Epoch;
    }

    private string Metric => study.Metric.Direction == EMamba.Search.Space.Direction.Maximize ? "accuracy" : "metric";

    private string Values(double[] v) => "[" + string.Join(", ", study.Info.Objectives.Select((o, i) => string.Create(CultureInfo.InvariantCulture, $"{o.Name} {v[i]:G5}"))) + "]";

    private void Refresh()
    {
        if (trials is null) return;
        var all = study.Storage.Trials(study.Name);
        trials.Value = StudySummary.Done(all);
        trials.Description = StudySummary.Best(study, all) is { } b ? $"trials (best: trial {b.Number} {Values(b.Values!)})" : "trials";
    }
}
