using EMamba.Core;
using EMamba.Core.Approx;
using EMamba.Training.Data;
using EMamba.Training.Modules;
using EMamba.Training.Optim;
using TorchSharp;
using static TorchSharp.torch;

namespace EMamba.Training;

/// <summary>The model and optimiser of a run folder, shared by the vision/radar and language trainers:
/// opened from the run's own last checkpoint (resume), from a checkpoint to fine-tune (init_from,
/// with approx.json tables swapped in), or freshly initialised; and the per-epoch bookkeeping
/// (best and last checkpoints, log.json, curve.png) that makes every run resumable.</summary>
public sealed class RunState
{
    public const string Last = "last.safetensors", Best = "best.safetensors", LogFile = "log.json", Curve = "curve.png";

    private readonly RunConfig cfg;
    private readonly string outDir;

    public nn.Module<Tensor, Tensor> Model { get; }
    public IReadOnlyList<PwlOp> Units { get; }
    public AdamW Opt { get; }
    /// <summary>The checkpoint resumed from (null for a new run).</summary>
    public Checkpoint? Resumed { get; }
    /// <summary>The checkpoint fine-tuned from (null unless train.init_from is set and the run is new).</summary>
    public Checkpoint? Init { get; }

    private RunState(RunConfig cfg, string outDir, nn.Module<Tensor, Tensor> model, AdamW opt, Checkpoint? resumed, Checkpoint? init)
    {
        this.cfg = cfg; this.outDir = outDir;
        Model = model; Opt = opt; Resumed = resumed; Init = init;
        Units = ModelLoader.PwlUnits(model).ToList();
    }

    public static RunState Open(RunConfig cfg, string outDir, bool resume, ITrainObserver obs)
    {
        // Again here, with a language model's vocabulary now set from the data: the parameter limit
        // counts its embedding, and no model is built from a config that fails validation.
        cfg.Validate("the run config");
        var t = cfg.Train;
        Directory.CreateDirectory(outDir);
        string lastPath = Path.Combine(outDir, Last);
        if (!resume && File.Exists(lastPath))
            throw new EMambaException($"{outDir}: already holds a run; pass --resume to continue it or choose another --out", ExitCodes.Usage);

        manual_seed(t.Seed);
        // PWL tables come from the weights' source, with an approx.json overriding them when fine-tuning starts.
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
        if (t.OnlyApprox)
        {
            if (!ModelLoader.PwlUnits(model).Any()) throw new EMambaException("train.only_approx is set but the model has no piecewise-linear units (silu/exp 'pwl')", ExitCodes.BadConfig);
            foreach (var (name, p) in model.named_parameters()) p.requires_grad = name.StartsWith(ModelLoader.Prefix);
        }
        var opt = new AdamW(model.named_parameters().Where(np => np.parameter.requires_grad).Select(np => (np.name, np.parameter)),
            (name, p) => p.dim() >= 2 && !name.EndsWith("A_log") && !name.EndsWith(".pos"), t.WeightDecay);
        if (last != null)
        {
            last.LoadInto(model);
            opt.LoadState(name => last.File.Contains(name) ? last.Tensor(name, last.File[name].Shape) : null,
                long.Parse(last.Metadata["opt_step"]));
            obs.Message($"resuming {lastPath} after epoch {TrainLog.FromJson(last.Metadata["log"], lastPath).Epochs.Count}");
        }
        else if (init != null)
        {
            init.LoadInto(model, name => fromFile.Any(f => name == ModelLoader.KnotsName(f) || name == ModelLoader.ValuesName(f)));
            obs.Message($"fine-tuning from {init.Path}" + (fromFile.Count > 0 ? $" with {string.Join(", ", fromFile.Select(f => f.Name()))} from {t.Approx}" : ""));
        }
        AtomicFile.WriteAllText(Path.Combine(outDir, "config.json"), cfg.ToJson());
        return new RunState(cfg, outDir, model, opt, last, init);
    }

    /// <summary>The resumed log, or <paramref name="fresh"/> for a new run.</summary>
    public TrainLog Log(Func<TrainLog> fresh) => Resumed != null
        ? TrainLog.FromJson(Resumed.Metadata["log"], Resumed.Path) with { Config = cfg }
        : fresh();

    /// <summary>One optimiser step on a batch's mean loss: gradients, clipping, the scheduled rate,
    /// the update, PWL knots kept sorted. Returns the loss and the rate used; a non-finite loss is an
    /// error naming <paramref name="where"/> (e.g. "epoch 3, batch 17").</summary>
    public (double Loss, double Lr) Update(Tensor loss, CosineSchedule schedule, string where)
    {
        FinalizerGate.SafePoint();
        Opt.ZeroGrad();
        loss.backward();
        if (cfg.Train.GradClip > 0) nn.utils.clip_grad_norm_(Model.parameters(), cfg.Train.GradClip);
        double lr = schedule.At(Opt.Step);
        Opt.StepWith(lr);
        foreach (var u in Units) u.KeepAdmissible();
        double l = loss.item<float>();
        if (!double.IsFinite(l))
            throw new EMambaException($"training diverged: loss is {l} at {where}; lower train.lr or raise grad clipping", ExitCodes.Failure);
        return (l, lr);
    }

    /// <summary>Records an epoch: best checkpoint when it improved, last checkpoint with optimiser
    /// state and log, log.json and curve.png. Returns whether it is the new best.</summary>
    public bool EndEpoch(TrainLog log, EpochRecord rec, Normalizer norm, Func<double, double, bool> better,
        IReadOnlyDictionary<string, string>? meta = null)
    {
        log.Epochs.Add(rec);
        log.TotalTrainSeconds += rec.EpochSeconds;
        bool best = log.BestEpoch < 0 || better(rec.ValMetric, log.BestValMetric);
        Dictionary<string, string> With(Dictionary<string, string> d)
        {
            if (meta != null) foreach (var kv in meta) d[kv.Key] = kv.Value;
            return d;
        }
        if (best)
        {
            log.BestEpoch = rec.Epoch; log.BestValMetric = rec.ValMetric;
            Checkpoint.Save(Path.Combine(outDir, Best), Model, cfg, norm,
                With(new() { ["epoch"] = rec.Epoch.ToString(), ["val_" + log.MetricName] = rec.ValMetric.ToString("R") }));
        }
        Checkpoint.Save(Path.Combine(outDir, Last), Model, cfg, norm,
            With(new() { ["opt_step"] = Opt.Step.ToString(), ["log"] = log.ToJson() }), Opt.State());
        AtomicFile.WriteAllText(Path.Combine(outDir, LogFile), log.ToJson());
        CurvePlot.Save(Path.Combine(outDir, Curve), log);
        return best;
    }
}
