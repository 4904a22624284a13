using System.Globalization;
using System.Text.Json;
using EMamba.Core;
using EMamba.Core.Approx;
using EMamba.Core.Checkpoints;
using EMamba.Training.Modules;
using EMamba.Training.Optim;
using TorchSharp;
using static TorchSharp.torch;
using EMamba.Reports;
using EMamba.Data;
using EMamba.Training.Checkpoints;
using EMamba.Training.Runtime;
using EMamba.Training.Scan;
using EMamba.Training.Qat;

namespace EMamba.Training.Train;

/// <summary>The model and optimiser of a run folder, shared by the vision/radar and language trainers:
/// opened from the run's own last checkpoint (resume), from a checkpoint to fine-tune (init_from,
/// with approx.json tables swapped in), or freshly initialised; and the per-epoch bookkeeping
/// (best and last checkpoints, log.json, curve.png) that makes every run resumable.</summary>
public sealed class RunState
{

    private readonly RunConfig cfg;
    private readonly string outDir;

    public nn.Module<Tensor, Tensor> Model { get; }
    public IReadOnlyList<PwlOp> Units { get; }
    public AdamW Opt { get; }
    /// <summary>The checkpoint resumed from (null for a new run).</summary>
    public Checkpoint? Resumed { get; }
    /// <summary>The checkpoint fine-tuned from (null unless train.init_from is set and the run is new).</summary>
    public Checkpoint? Init { get; }
    /// <summary>The learning-rate schedule over the run's optimiser steps, with the effective warm-up.</summary>
    public CosineSchedule Schedule { get; }
    private readonly TrainLog? resumedLog;

    private RunState(RunConfig cfg, string outDir, nn.Module<Tensor, Tensor> model, AdamW opt, Checkpoint? resumed, TrainLog? resumedLog,
        Checkpoint? init, CosineSchedule schedule)
    {
        this.cfg = cfg; this.outDir = outDir; this.resumedLog = resumedLog;
        Model = model; Opt = opt; Resumed = resumed; Init = init; Schedule = schedule;
        Units = ModelLoader.PwlUnits(model).ToList();
    }

    /// <param name="stepsPerEpoch">optimiser steps of one epoch (the schedule spans stepsPerEpoch * epochs)</param>
    /// <param name="trainSamples">training samples (tokens for a language model); a resumed run must have the same</param>
    public static RunState Open(RunConfig cfg, string outDir, bool resume, ITrainObserver obs, long stepsPerEpoch, int trainSamples)
    {
        // Again here, with a language model's vocabulary now set from the data: the parameter limit
        // counts its embedding, and no model is built from a config that fails validation.
        cfg.Validate("the run config");
        var t = cfg.Train;
        string lastPath = Path.Combine(outDir, RunFolder.LastFile);
        if (resume && !File.Exists(lastPath))
            throw new EMambaException($"{outDir}: nothing to resume (no {RunFolder.LastFile})", ExitCodes.Usage);
        Directory.CreateDirectory(outDir);
        if (!resume && File.Exists(lastPath))
            throw new EMambaException($"{outDir}: already holds a run; pass --resume to continue it or choose another --out", ExitCodes.Usage);

        manual_seed(t.Seed);
        // PWL tables come from the weights' source, with an approx.json overriding them when fine-tuning starts.
        var last = resume ? Checkpoint.Load(lastPath) : null;
        TrainLog? lastLog = null;
        long lastStep = 0;
        if (last != null)
        {
            lastStep = ParseStep(last, lastPath);
            lastLog = TrainLog.FromJson(MetaValue(last, lastPath, "log"), lastPath);
            CheckResumable(cfg, trainSamples, last, lastLog, lastPath);
        }
        long totalSteps = stepsPerEpoch * t.Epochs;
        // A resumed run keeps the warm-up it started with (logs from before the 10 % cap used warmup_steps as is).
        long warmup = lastLog != null ? lastLog.WarmupSteps ?? t.WarmupSteps : CosineSchedule.EffectiveWarmup(t.WarmupSteps, totalSteps);
        var schedule = new CosineSchedule(t.Lr, warmup, totalSteps, t.MinLrRatio);
        string plan = $"{t.Epochs} epochs x {stepsPerEpoch:N0} = {totalSteps:N0} optimiser steps, warm-up {warmup:N0} steps" +
            (lastLog == null && warmup < t.WarmupSteps ? $" (train.warmup_steps {t.WarmupSteps} capped at 10 % of the run)" : "");
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
        // QAT: the same parameters under the integer forward (its state_dict has the float model's names).
        if (t.Qat != null) model = QatModel.Open(model, t.Qat);
        if (t.OnlyApprox)
        {
            if (!ModelLoader.PwlUnits(model).Any()) throw new EMambaException("train.only_approx is set but the model has no piecewise-linear units (silu/exp 'pwl')", ExitCodes.BadConfig);
            foreach (var (name, p) in model.named_parameters()) p.requires_grad = name.StartsWith(TensorNames.Parts.PwlPrefix, StringComparison.Ordinal);
        }
        var opt = new AdamW(model.named_parameters().Where(np => np.parameter.requires_grad).Select(np => (np.name, np.parameter)),
            (name, p) => p.dim() >= 2 && !name.EndsWith("." + TensorNames.Parts.ALog, StringComparison.Ordinal)
                && !name.EndsWith("." + TensorNames.Parts.Pos, StringComparison.Ordinal), t.WeightDecay);
        if (last != null)
        {
            last.LoadInto(model);
            opt.LoadState(name => last.File.Contains(name) ? last.Tensor(name, last.File[name].Shape) : null,
                lastStep);
            obs.Message($"resuming {lastPath} after epoch {lastLog!.Epochs.Count}; {plan}");
        }
        else if (init != null)
        {
            init.LoadInto(model, name => ModelLoader.IsPwlTensor(name, fromFile));
            obs.Message($"fine-tuning from {init.Path}" + (fromFile.Count > 0 ? $" with {string.Join(", ", fromFile.Select(f => f.Name()))} from {t.Approx}" : "") + $"; {plan}");
        }
        else obs.Message($"training {plan}");
        AtomicFile.WriteAllText(Path.Combine(outDir, "config.json"), cfg.ToJson());
        return new RunState(cfg, outDir, model, opt, last, lastLog, init, schedule);
    }

    /// <summary>The resumed log, or <paramref name="fresh"/> for a new run; either records the warm-up used.</summary>
    public TrainLog Log(Func<TrainLog> fresh) => resumedLog != null
        ? resumedLog with { Config = cfg, WarmupSteps = Schedule.WarmupSteps }
        : fresh() with { WarmupSteps = Schedule.WarmupSteps };

    private static string MetaValue(Checkpoint ck, string path, string key) =>
        ck.Metadata.TryGetValue(key, out var v) ? v
            : throw new EMambaException($"{path}: metadata key '{key}' is missing, so the run cannot be resumed from it", ExitCodes.BadInput);

    private static long ParseStep(Checkpoint ck, string path)
    {
        string s = MetaValue(ck, path, "opt_step");
        return long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out long step) ? step
            : throw new EMambaException($"{path}: metadata key 'opt_step' is '{s}', not an optimiser step count, so the run cannot be resumed from it", ExitCodes.BadInput);
    }

    /// <summary>Refuses to resume a run with a config or data other than it was trained with (only a
    /// larger epoch count may extend it), listing every differing field.</summary>
    private static void CheckResumable(RunConfig cfg, int trainSamples, Checkpoint last, TrainLog log, string lastPath)
    {
        var diffs = new List<string>();
        var stored = last.Config;
        diffs.AddRange(Differences("model", stored.Model, cfg.Model));
        diffs.AddRange(Differences("train", stored.Train with { Epochs = cfg.Train.Epochs }, cfg.Train));
        if (log.TrainSamples != trainSamples)
            diffs.Add($"training samples (--limit-train): {log.TrainSamples:N0} in the run, {trainSamples:N0} requested");
        if (cfg.Train.Epochs < log.Epochs.Count)
            diffs.Add($"train.epochs: {log.Epochs.Count} already trained, {cfg.Train.Epochs} requested (a resume may only keep or extend the epoch count)");
        if (diffs.Count > 0)
            throw new EMambaException($"{lastPath}: cannot resume with a different config or data; differing: {string.Join("; ", diffs)}", ExitCodes.BadConfig);
    }

    /// <summary>"prefix.field: stored in the run, requested" for every public property that differs (compared as JSON).</summary>
    public static IEnumerable<string> Differences<T>(string prefix, T stored, T requested)
    {
        foreach (var p in typeof(T).GetProperties())
        {
            if (p.GetIndexParameters().Length > 0) continue;
            string a = JsonSerializer.Serialize(p.GetValue(stored), RunConfig.Json), b = JsonSerializer.Serialize(p.GetValue(requested), RunConfig.Json);
            if (a != b) yield return $"{prefix}.{JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name)}: {a} in the run, {b} requested";
        }
    }

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
            Checkpoint.Save(Path.Combine(outDir, RunFolder.BestFile), Model, cfg, norm,
                With(new() { ["epoch"] = rec.Epoch.ToString(), ["val_" + log.MetricName] = rec.ValMetric.ToString("R") }));
        }
        Checkpoint.Save(Path.Combine(outDir, RunFolder.LastFile), Model, cfg, norm,
            With(new() { ["opt_step"] = Opt.Step.ToString(), ["log"] = log.ToJson() }), Opt.State());
        AtomicFile.WriteAllText(Path.Combine(outDir, RunFolder.LogFile), log.ToJson());
        CurvePlot.Save(Path.Combine(outDir, RunFolder.CurveFile), log);
        return best;
    }
}
