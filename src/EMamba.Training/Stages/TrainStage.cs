using System.Diagnostics;
using EMamba.Core;
using EMamba.Core.Approx;
using EMamba.Data;
using EMamba.Training.Modules;
using EMamba.Reports;
using EMamba.Training.Checkpoints;
using EMamba.Training.Scan;
using EMamba.Training.Train;

namespace EMamba.Training.Stages;

/// <summary>Load data, train with progress, then score the selected (best-on-validation) checkpoint on
/// the test split once, and write the run report. Used by <c>train</c>, the ablation, the suite and the demo.</summary>
public static class TrainStage
{
    /// <param name="Command">the command line quoted in the run report</param>
    public sealed record Request(RunConfig Config, string? Data, int? LimitTrain, int? LimitTest, string OutDir, bool Resume, bool Force, bool Test,
        string Command, IStageObserver? Observer = null);

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
                Qat = null, // a QAT checkpoint fine-tunes as a float model unless --qat asks again
            },
        };
    }

    /// <summary>The config as trained: a language model's vocabulary size comes from its data when the config leaves it 0.</summary>
    public static RunConfig Resolve(RunConfig cfg, string? data) =>
        cfg.Model.Head == Head.Lm && cfg.Model.Vocab == 0 ? WithVocab(cfg, TaskData.Corpus(cfg, data)) : cfg;

    private static RunConfig WithVocab(RunConfig cfg, LmCorpus corpus) =>
        cfg.Model.Vocab == 0 ? cfg with { Model = cfg.Model with { Vocab = corpus.Vocab.Count } } : cfg;

    /// <summary>Trains (or resumes), tests, and writes the run report while still holding the run folder.</summary>
    public static TrainLog Run(Request q, CancellationToken ct)
    {
        if (q.Resume && q.Force) throw new EMambaException("--resume and --force exclude each other: --resume continues the run in --out, --force replaces it", ExitCodes.Usage);
        var obs = q.Observer ?? SilentStageObserver.Instance;
        var sw = Stopwatch.StartNew();
        IDisposable? folderLock = null;
        try
        {
            TrainLog log;
            if (q.Config.Model.Head == Head.Lm)
            {
                var corpus = TaskData.Corpus(q.Config, q.Data);
                if (q.LimitTrain is int lt && lt < corpus.Train.Length) corpus = corpus with { Train = corpus.Train[..lt] };
                obs.Info($"data: {corpus.Protocol}: {corpus.Train.Length:N0} train / {corpus.Val.Length:N0} validation tokens (loaded in {sw.Elapsed.TotalSeconds:F1}s)");
                var cfg = WithVocab(q.Config, corpus);
                folderLock = Claim(q);
                log = obs.Training(TaskObjective.For(cfg.Model).MetricName, obs => new LmTrainer(cfg, corpus, q.OutDir, obs).Run(q.Resume, ct));
                log.Protocol = corpus.Protocol;
            }
            else
            {
                var (train, val) = TaskData.TrainVal(q.Config, q.Data, q.LimitTrain);
                obs.Info($"data: {train.Source}: {train.Count:N0} train / {val.Count:N0} validation samples (loaded in {sw.Elapsed.TotalSeconds:F1}s)");
                folderLock = Claim(q);
                log = obs.Training(TaskObjective.For(q.Config.Model).MetricName, obs => new Trainer(q.Config, train, val, q.OutDir, obs).Run(q.Resume, ct));
                log.Protocol = TaskData.Protocol(q.Config, q.Data);
            }
            AtomicFile.WriteAllText(Path.Combine(q.OutDir, RunFolder.LogFile), log.ToJson());
            if (q.Test)
            {
                var r = EvalStage.Run(Path.Combine(q.OutDir, RunFolder.BestFile), q.Data, "test", q.LimitTest, 500,
                    lengths: q.Config.Model.Head == Head.Lm ? LengthEval.DefaultLengths : null);
                foreach (var (k, v) in r.Figures) log.Test[k] = v;
                obs.Info($"{q.OutDir}: test {r.MetricName} {Figures.Format(r.MetricName, r.Metric)} ({r.Samples:N0} samples)");
                AtomicFile.WriteAllText(Path.Combine(q.OutDir, RunFolder.LogFile), log.ToJson());
            }
            RunReport.Write(q.OutDir, log, q.Command);
            return log;
        }
        finally { folderLock?.Dispose(); }
    }

    // Once the data has loaded (a missing data set leaves no folder behind): the folder is ours,
    // then --force clears it.
    private static IDisposable Claim(Request q)
    {
        var folder = new RunFolder(q.OutDir);
        var folderLock = folder.Lock();
        if (q.Force && !q.Resume) folder.Clear();
        return folderLock;
    }
}
