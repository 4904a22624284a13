using System.Diagnostics;
using EMamba.Core;
using EMamba.Core.Approx;
using EMamba.Data;
using EMamba.Training;
using EMamba.Training.Data;
using EMamba.Training.Modules;
using Spectre.Console;

namespace EMamba.Cli;

/// <summary>Load data, train with progress, then score the selected (best-on-validation) checkpoint on
/// the test split once. Shared by <c>train</c> and <c>demo</c>.</summary>
public static class TrainFlow
{
    public sealed record Request(RunConfig Config, string? Data, int? LimitTrain, int? LimitTest, string OutDir, bool Resume, bool Force, bool Test);

    /// <summary>The config of a fine-tuning run: the checkpoint's own, with the approx.json tables
    /// swapped in, a tenth of its learning rate, 2 epochs, no warm-up (flags still override these).</summary>
    public static RunConfig FineTuneConfig(string initFrom, string? approx, bool onlyApprox)
    {
        var ck = Checkpoint.Load(initFrom);
        var (model, _, _) = ModelLoader.Plan(ck, approx is null ? null : ApproxFile.Load(approx));
        var t = ck.Config.Train;
        return new RunConfig
        {
            Model = model,
            Train = t with
            {
                Epochs = 2, Lr = t.Lr / 10, WarmupSteps = 0,
                InitFrom = Path.GetFullPath(initFrom), Approx = approx is null ? null : Path.GetFullPath(approx), OnlyApprox = onlyApprox,
            },
        };
    }

    /// <summary>The config as trained: a language model's vocabulary size comes from its data when the config leaves it 0.</summary>
    public static RunConfig Resolve(RunConfig cfg, string? data) =>
        cfg.Model.Head == "lm" && cfg.Model.Vocab == 0 ? WithVocab(cfg, TaskData.Corpus(cfg, data)) : cfg;

    private static RunConfig WithVocab(RunConfig cfg, LmCorpus corpus) =>
        cfg.Model.Vocab == 0 ? cfg with { Model = cfg.Model with { Vocab = corpus.Vocab.Count } } : cfg;

    /// <summary>Trains (or resumes) and tests; <paramref name="whileLocked"/> runs last, still holding
    /// the run folder (the run report goes there).</summary>
    public static TrainLog Run(Request q, CancellationToken ct, Action<TrainLog>? whileLocked = null)
    {
        if (q.Resume && q.Force) throw new EMambaException("--resume and --force exclude each other: --resume continues the run in --out, --force replaces it", ExitCodes.Usage);
        var sw = Stopwatch.StartNew();
        IDisposable? folderLock = null;
        try
        {
            TrainLog log;
            if (q.Config.Model.Head == "lm")
            {
                var corpus = TaskData.Corpus(q.Config, q.Data);
                if (q.LimitTrain is int lt && lt < corpus.Train.Length) corpus = corpus with { Train = corpus.Train[..lt] };
                App.Info($"data: {corpus.Protocol}: {corpus.Train.Length:N0} train / {corpus.Val.Length:N0} validation tokens (loaded in {sw.Elapsed.TotalSeconds:F1}s)");
                var cfg = WithVocab(q.Config, corpus);
                folderLock = Claim(q);
                log = ConsoleObserver.Run(TaskObjective.For(cfg.Model).MetricName, obs => new LmTrainer(cfg, corpus, q.OutDir, obs).Run(q.Resume, ct));
                log.Protocol = corpus.Protocol;
            }
            else
            {
                var (train, val) = TaskData.TrainVal(q.Config, q.Data, q.LimitTrain);
                App.Info($"data: {train.Source}: {train.Count:N0} train / {val.Count:N0} validation samples (loaded in {sw.Elapsed.TotalSeconds:F1}s)");
                folderLock = Claim(q);
                log = ConsoleObserver.Run(TaskObjective.For(q.Config.Model).MetricName, obs => new Trainer(q.Config, train, val, q.OutDir, obs).Run(q.Resume, ct));
                log.Protocol = TaskData.Protocol(q.Config, q.Data);
            }
            AtomicFile.WriteAllText(Path.Combine(q.OutDir, Trainer.LogFile), log.ToJson());
            if (q.Test)
            {
                var r = EvalFlow.Run(Path.Combine(q.OutDir, Trainer.Best), q.Data, "test", q.LimitTest, 500,
                    lengths: q.Config.Model.Head == "lm" ? EvalFlow.DefaultLengths : null);
                foreach (var (k, v) in r.Figures) log.Test[k] = v;
                AtomicFile.WriteAllText(Path.Combine(q.OutDir, Trainer.LogFile), log.ToJson());
            }
            whileLocked?.Invoke(log);
            return log;
        }
        finally { folderLock?.Dispose(); }
    }

    // Once the data has loaded (a missing data set leaves no folder behind): the folder is ours,
    // then --force clears it.
    private static IDisposable Claim(Request q)
    {
        var folderLock = RunFolderLock.Take(q.OutDir);
        if (q.Force && !q.Resume)
            foreach (var f in new[] { Trainer.Last, Trainer.Best, Trainer.LogFile, Trainer.Curve })
                File.Delete(Path.Combine(q.OutDir, f));
        return folderLock;
    }
}
