using System.Diagnostics;
using EMamba.Core;
using EMamba.Reports;
using EMamba.Training.Train;

namespace EMamba.Training.Stages;

/// <summary>Every run behind the four-task results, then their report. Per task: exact Mamba and
/// eMamba (the operator ablation's exact and ReLU-Delta variants, PWL fit, swap and fine-tune) and the
/// baseline presets; finished runs are reused and unfinished ones resumed, so the suite can be
/// stopped and restarted at any point.</summary>
public static class SuiteStage
{
    /// <summary>The Mamba preset and the baseline presets of each task, in the default order.</summary>
    public static readonly IReadOnlyDictionary<string, (string Mamba, string[] Baselines)> Tasks = new Dictionary<string, (string, string[])>
    {
        ["fmnist"] = ("fmnist-base", ["fmnist-cnn-s", "fmnist-cnn-m", "fmnist-vit-s", "fmnist-vit-m"]),
        ["cifar10"] = ("cifar10-base", ["cifar10-cnn-s", "cifar10-cnn-m", "cifar10-vit-s", "cifar10-vit-m"]),
        ["mars"] = ("mars-paper", ["mars-cnn-s", "mars-cnn-m", "mars-vit-s", "mars-vit-m"]),
        ["wikitext2"] = ("wikitext2-small", ["wikitext2-transformer"]),
    };

    /// <param name="Tasks">tasks to run, in this order (keys of <see cref="SuiteStage.Tasks"/>)</param>
    /// <param name="OutDir">runs folder: Mamba runs go to OutDir/ablation/&lt;preset&gt; (-gamma1 when RangeInit is One), baselines to OutDir/baselines/&lt;preset&gt;</param>
    /// <param name="ReportPath">the report over the suite's finished runs (a .json and plots go beside it)</param>
    /// <param name="EpochCap">caps every run at this many epochs (quick checks; the results use the presets' own)</param>
    /// <param name="Data">data location per task (a missing or null entry: the task's standard location)</param>
    /// <param name="AblationDone">called with each task's ablation as soon as it is done, before its baselines train
    /// (so its Baselines are empty): the console prints the ablation table then, hours before the suite ends.
    /// A callback rather than an observer message because the observer carries text, and the table is the caller's to draw.</param>
    public sealed record Request(IReadOnlyList<string> Tasks, string OutDir, string ReportPath, bool Baselines, RangeInit RangeInit,
        int? EpochCap, int? LimitTrain, int? LimitTest, IReadOnlyDictionary<string, string?>? Data, string Command,
        IStageObserver? Observer = null, Action<TaskResult>? AblationDone = null);

    /// <summary>One baseline run: its preset, run folder and log.</summary>
    public sealed record BaselineRun(string Preset, string Dir, TrainLog Log);

    /// <summary>One task: its Mamba preset, the ablation folder and rows (exact, eMamba, PWL swaps,
    /// fine-tuned), the task metric's name and the baselines (empty without them).</summary>
    public sealed record TaskResult(string Task, string Mamba, string AblationDir, IReadOnlyList<AblationStage.Row> Rows, string MetricName,
        IReadOnlyList<BaselineRun> Baselines);

    /// <param name="RunDirs">every run folder the report covers (ablation folders and baseline runs)</param>
    /// <param name="Files">the files the report wrote (Markdown, JSON, plots); each run folder holds its own</param>
    public sealed record Result(IReadOnlyList<TaskResult> Tasks, string ReportPath, IReadOnlyList<string> RunDirs, IReadOnlyList<string> Files, TimeSpan WallTime);

    public static Result Run(Request q, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        var obs = q.Observer ?? SilentStageObserver.Instance;
        foreach (var t in q.Tasks)
            if (!Tasks.ContainsKey(t)) throw new EMambaException($"task '{t}' is not one of {string.Join(", ", Tasks.Keys)}", ExitCodes.Usage);
        if (q.EpochCap is < 1 || q.LimitTrain is < 1 || q.LimitTest is < 1)
            throw new EMambaException("the epoch cap and the sample limits must be positive", ExitCodes.Usage);

        RunConfig Capped(string preset) =>
            Presets.All[preset] is var c && q.EpochCap is int e && e < c.Train.Epochs ? c with { Train = c.Train with { Epochs = e } } : Presets.All[preset];
        var dirs = new List<string>();
        var results = new List<TaskResult>();
        foreach (var t in q.Tasks)
        {
            var (mamba, baselines) = Tasks[t];
            obs.Info($"suite: {t}: {mamba} (exact and eMamba)" + (q.Baselines ? $", then {string.Join(", ", baselines)}" : ""));
            string dir = Path.Combine(q.OutDir, "ablation", mamba + (q.RangeInit == RangeInit.One ? "-gamma1" : ""));
            dirs.Add(dir);
            string? where = q.Data?.GetValueOrDefault(t);
            var rows = AblationStage.Run(new AblationStage.Request(Capped(mamba), mamba, dir, where, q.LimitTrain, q.LimitTest, ["exact", "range-relu"],
                Math.Min(2, q.EpochCap ?? 2), Path.Combine(dir, "ablation.md"), q.Command, q.RangeInit, obs), ct);
            string metric = TaskObjective.For(Capped(mamba).Model).MetricName;
            q.AblationDone?.Invoke(new TaskResult(t, mamba, dir, rows, metric, []));
            if (!q.Baselines) { results.Add(new TaskResult(t, mamba, dir, rows, metric, [])); continue; }
            var runs = new List<BaselineRun>();
            foreach (var b in baselines)
            {
                string bdir = Path.Combine(q.OutDir, "baselines", b);
                dirs.Add(bdir);
                runs.Add(new BaselineRun(b, bdir, AblationStage.TrainOrReuse(Capped(b), bdir, where, q.LimitTrain, q.LimitTest, q.Command, obs, ct)));
            }
            results.Add(new TaskResult(t, mamba, dir, rows, metric, runs));
        }
        var files = CrossRunReport.Build(q.OutDir, q.ReportPath, dirs.SelectMany(d => CrossRunReport.Collect(d, q.OutDir, obs.Info)).ToList(), q.Command,
            "eMamba.NET: four tasks, eMamba vs baselines");
        return new Result(results, q.ReportPath, dirs, files, sw.Elapsed);
    }
}
