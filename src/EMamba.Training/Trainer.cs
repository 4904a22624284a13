using System.Diagnostics;
using EMamba.Core;
using EMamba.Core.Approx;
using EMamba.Data;
using EMamba.Training.Data;
using EMamba.Training.Modules;
using EMamba.Training.Optim;
using TorchSharp;
using static TorchSharp.torch;

namespace EMamba.Training;

/// <summary>Trains a vision or radar model (any arch, classification or regression): AdamW, warm-up + cosine schedule, gradient clipping, a checkpoint
/// every epoch (last.safetensors, resumable), best-on-validation selection (best.safetensors).</summary>
public sealed class Trainer
{
    public const string Last = "last.safetensors", Best = "best.safetensors", LogFile = "log.json", Curve = "curve.png";

    private readonly RunConfig cfg;
    private readonly IDataset train, val;
    private readonly string outDir;
    private readonly ITrainObserver obs;

    public Trainer(RunConfig cfg, IDataset train, IDataset val, string outDir, ITrainObserver? observer = null)
    {
        this.cfg = cfg; this.train = train; this.val = val; this.outDir = outDir;
        obs = observer ?? SilentObserver.Instance;
    }

    public TrainLog Run(bool resume, CancellationToken ct = default)
    {
        var t = cfg.Train;
        Directory.CreateDirectory(outDir);
        string lastPath = Path.Combine(outDir, Last);
        if (!resume && File.Exists(lastPath))
            throw new EMambaException($"{outDir}: already holds a run; pass --resume to continue it or choose another --out", ExitCodes.Usage);

        manual_seed(t.Seed);
        // Where the weights come from: the run's own last checkpoint (resume), a checkpoint to
        // fine-tune (init_from), or a fresh initialisation. PWL tables come from the same source,
        // with an approx.json overriding them when fine-tuning starts.
        var last = resume && File.Exists(lastPath) ? Checkpoint.Load(lastPath) : null;
        var init = last == null && t.InitFrom != null ? Checkpoint.Load(t.InitFrom) : null;
        var approx = last == null && t.Approx != null ? ApproxFile.Load(t.Approx) : null;
        var source = last ?? init;
        IReadOnlyDictionary<PwlFunction, PwlTable>? tables = approx?.Tables;
        HashSet<PwlFunction> fromFile = [];
        if (source != null)
        {
            (var planned, var planTables, fromFile) = ModelLoader.Plan(source, approx);
            if (planned != cfg.Model)
                throw new EMambaException(last != null
                    ? $"{lastPath}: was trained with a different model config; cannot resume it with this one"
                    : $"{init!.Path}: its architecture (with the approximations applied) differs from the config being trained", ExitCodes.BadConfig);
            tables = planTables;
        }
        var model = ModelLoader.Create(cfg.Model, tables);
        var units = ModelLoader.PwlUnits(model).ToList();
        var objective = TaskObjective.For(cfg.Model);
        if (t.OnlyApprox)
        {
            if (units.Count == 0) throw new EMambaException("train.only_approx is set but the model has no piecewise-linear units (silu/exp 'pwl')", ExitCodes.BadConfig);
            foreach (var (name, p) in model.named_parameters()) p.requires_grad = name.StartsWith(ModelLoader.Prefix);
        }
        var opt = new AdamW(model.named_parameters().Where(np => np.parameter.requires_grad).Select(np => (np.name, np.parameter)),
            (name, p) => p.dim() >= 2 && !name.EndsWith("A_log") && !name.EndsWith(".pos"), t.WeightDecay);
        int batches = (train.Count + t.BatchSize - 1) / t.BatchSize;
        var schedule = new CosineSchedule(t.Lr, t.WarmupSteps, (long)batches * t.Epochs, t.MinLrRatio);

        Normalizer norm;
        TrainLog log;
        if (last != null)
        {
            last.LoadInto(model);
            opt.LoadState(name => last.File.Contains(name) ? last.Tensor(name, last.File[name].Shape) : null,
                long.Parse(last.Metadata["opt_step"]));
            norm = last.Normalizer;
            log = TrainLog.FromJson(last.Metadata["log"], lastPath) with { Config = cfg };
            obs.Message($"resuming {lastPath} after epoch {log.Epochs.Count}");
        }
        else
        {
            if (init != null)
            {
                init.LoadInto(model, name => fromFile.Any(f => name == ModelLoader.KnotsName(f) || name == ModelLoader.ValuesName(f)));
                obs.Message($"fine-tuning from {init.Path}" + (fromFile.Count > 0 ? $" with {string.Join(", ", fromFile.Select(f => f.Name()))} from {t.Approx}" : ""));
            }
            norm = init?.Normalizer ?? Normalizer.FromTraining(train);
            log = new TrainLog
            {
                Config = cfg, MetricName = objective.MetricName, HigherIsBetter = objective.HigherIsBetter,
                Parameters = ModelLoader.ParameterCount(model), TrainSamples = train.Count, ValSamples = val.Count,
            };
        }
        AtomicFile.WriteAllText(Path.Combine(outDir, "config.json"), cfg.ToJson());

        var idx = Enumerable.Range(0, train.Count).ToArray();
        for (int epoch = log.Epochs.Count; epoch < t.Epochs; epoch++)
        {
            ct.ThrowIfCancellationRequested();
            // The shuffle depends only on (seed, epoch), so a resumed run sees the same batches.
            Array.Sort(idx);
            new Random(HashCode.Combine(t.Seed, epoch, 0x5eed)).Shuffle(idx);
            obs.EpochStarted(epoch + 1, t.Epochs, batches);
            var sw = Stopwatch.StartNew();
            model.train();
            var tally = objective.NewTally();
            double lr = 0;
            // Augmentation draws depend only on (seed, epoch), so a resumed run sees the same crops.
            var augment = t.Augment ? new Random(HashCode.Combine(t.Seed, epoch, 0xa06)) : null;
            for (int b = 0; b < batches; b++)
            {
                ct.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                int start = b * t.BatchSize, n = Math.Min(t.BatchSize, train.Count - start);
                var bi = idx.AsSpan(start, n);
                var x = Batches.Inputs(train, bi, norm, augment);   // (n, C, H, W)
                var y = Batches.Targets(train, bi);                  // (n) classes or (n, K) values
                var output = model.forward(x);                       // (n, K)
                var loss = objective.Loss(output, y);
                opt.ZeroGrad();
                loss.backward();
                if (t.GradClip > 0) nn.utils.clip_grad_norm_(model.parameters(), t.GradClip);
                lr = schedule.At(opt.Step);
                opt.StepWith(lr);
                foreach (var u in units) u.KeepSorted();
                double l = loss.item<float>();
                if (!double.IsFinite(l))
                    throw new EMambaException($"training diverged: loss is {l} at epoch {epoch + 1}, batch {b + 1}; lower train.lr or raise grad clipping", ExitCodes.Failure);
                tally.Add(output, y, l);
                obs.BatchDone(b + 1, l);
            }
            double trainSec = sw.Elapsed.TotalSeconds;
            var v = Evaluator.Run(model, val, norm, objective);
            var rec = new EpochRecord(epoch + 1, opt.Step, lr, tally.MeanLoss, tally.Metric,
                v.MeanLoss, v.Metric, sw.Elapsed.TotalSeconds, train.Count / trainSec);
            log.Epochs.Add(rec);
            log.TotalTrainSeconds += rec.EpochSeconds;
            bool best = log.BestEpoch < 0 || objective.Better(rec.ValMetric, log.BestValMetric);
            if (best)
            {
                log.BestEpoch = rec.Epoch; log.BestValMetric = rec.ValMetric;
                Checkpoint.Save(Path.Combine(outDir, Best), model, cfg, norm,
                    new Dictionary<string, string> { ["epoch"] = rec.Epoch.ToString(), ["val_" + log.MetricName] = rec.ValMetric.ToString("R") });
            }
            Checkpoint.Save(lastPath, model, cfg, norm,
                new Dictionary<string, string> { ["opt_step"] = opt.Step.ToString(), ["log"] = log.ToJson() }, opt.State());
            AtomicFile.WriteAllText(Path.Combine(outDir, LogFile), log.ToJson());
            CurvePlot.Save(Path.Combine(outDir, Curve), log);
            obs.EpochDone(rec, best);
        }
        return log;
    }
}
