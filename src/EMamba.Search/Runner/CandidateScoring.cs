using EMamba.Core;
using EMamba.Core.Approx;
using EMamba.Core.Integer;
using EMamba.Data;
using EMamba.Engine.Stages;
using EMamba.Hardware;
using EMamba.Search.Space;
using EMamba.Training.Checkpoints;
using EMamba.Training.Modules;
using EMamba.Training.Pwl;
using EMamba.Training.Stages;
using EMamba.Training.Train;

namespace EMamba.Search.Runner;

/// <summary>Scores a trained candidate as the ablation and the integer flow do it, in its trial folder: the
/// candidate's PWL tables applied to the best-on-validation checkpoint (uniform knots, fitted to its activations,
/// or fitted then fine-tuned with the tables in the loop), quantized with the candidate's precision, run on the
/// validation split in the integer engine beside its double-precision float twin with the same tables, and costed
/// on the accelerator config.</summary>
public static class CandidateScoring
{
    public const string ApproxFileName = "approx.json", PrecisionFileName = "precision.json", QuantizedFileName = "model.q.safetensors", FineTuneDir = "finetune";

    /// <summary>Training samples the activation histograms are collected on (the ablation's).</summary>
    public const int FitSamples = 500;

    /// <summary>Calibration samples (the quantize command's default); a pruned trial's hardware figures need fewer.</summary>
    public const int Calib = 512, PrunedCalib = 64;

    /// <param name="seed">the trial's training seed (the fine-tuning's)</param>
    /// <param name="threads">threads of the integer engine</param>
    public static Measured Complete(CandidateConfig c, string dir, string? data, IDataset train, IDataset val, int seed, int threads,
        AcceleratorConfig accel, bool area, ITrainObserver? observer, CancellationToken ct)
    {
        string best = Path.Combine(dir, RunFolder.BestFile), approx = Path.Combine(dir, ApproxFileName);
        Tables(c.Approx, best, train, approx);
        string model = best;
        string? tables = approx;
        if (c.Approx.Placement == KnotPlacement.FineTuned)
        {
            // The ablation's fine-tuning (a tenth of the rate, no warm-up) for the plan's epochs; its checkpoint holds the trained tables.
            var tune = TrainStage.FineTuneConfig(best, approx, onlyApprox: false);
            tune = tune with { Train = tune.Train with { Epochs = c.Approx.FineTuneEpochs, Seed = seed } };
            string tuneDir = Path.Combine(dir, FineTuneDir);
            var folder = new RunFolder(tuneDir);
            if (folder.CompleteLog(tune) is null)
                new Trainer(tune, train, val, tuneDir, observer).Run(folder.CanResume, ct);
            (model, tables) = (folder.Best, null);
        }
        string q = Quantize(c, dir, model, tables, data, Calib, ct);
        var run = RunStage.Run(new RunStage.Request(q, "val", data, null, threads), ct);
        var (cycles, energy, mm2) = HardwareCost.Of(QuantFile.Read(q), accel, area);
        return new Measured(run.FloatMetric ?? double.NaN, run.Metric, c.Parameters, cycles, energy, mm2);
    }

    /// <summary>A pruned trial's figures: its hardware on uniform tables of the candidate's sizes (the cost
    /// depends on the shapes, not the knots) and the metric it had at its rung for both metrics.</summary>
    public static Measured Pruned(CandidateConfig c, string dir, string? data, double rungMetric, AcceleratorConfig accel, bool area, CancellationToken ct)
    {
        string approx = Path.Combine(dir, ApproxFileName);
        Uniform(c.Approx).Save(approx);
        string q = Quantize(c, dir, Path.Combine(dir, RunFolder.BestFile), approx, data, PrunedCalib, ct);
        var (cycles, energy, mm2) = HardwareCost.Of(QuantFile.Read(q), accel, area);
        return new Measured(rungMetric, rungMetric, c.Parameters, cycles, energy, mm2);
    }

    /// <summary>Writes the plan's tables to <paramref name="outPath"/>: uniform, or fitted to the best checkpoint's activations.</summary>
    internal static void Tables(ApproxPlan plan, string best, IDataset train, string outPath)
    {
        if (plan.Placement == KnotPlacement.Uniform) { Uniform(plan).Save(outPath); return; }
        var ck = Checkpoint.Load(best);
        using var model = ModelLoader.Load(ck);
        var mamba = model as MambaModel ?? throw new EMambaException($"{best}: not a Mamba model; the search approximates Mamba models only", ExitCodes.BadInput);
        int n = Math.Min(FitSamples, train.Count);
        var hists = ApproxFitter.Collect(mamba, train, ck.Normalizer, n);
        var fits = new[] { plan.Silu, plan.Exp }.Select(s => ApproxFitter.Fit(s, hists[s.Function]));
        ApproxFitter.ToFile(fits, best, n).Save(outPath);
    }

    internal static ApproxFile Uniform(ApproxPlan plan) =>
        new(new[] { plan.Silu, plan.Exp }.ToDictionary(s => s.Function, s => PwlTable.Uniform(s.Function, s.Segments, s.Lo, s.Hi)));

    /// <summary>Quantizes <paramref name="model"/> with the candidate's precision into <paramref name="dir"/>; the quantized file.</summary>
    internal static string Quantize(CandidateConfig c, string dir, string model, string? approx, string? data, int calib, CancellationToken ct)
    {
        string precision = Path.Combine(dir, PrecisionFileName), q = Path.Combine(dir, QuantizedFileName);
        AtomicFile.WriteAllText(precision, c.Precision.ToJson());
        QuantizeStage.Run(new QuantizeStage.Request(model, approx, data, calib, c.Precision.Method, precision, q, "emamba search"), ct);
        return q;
    }
}
