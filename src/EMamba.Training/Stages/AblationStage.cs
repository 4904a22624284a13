using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EMamba.Core;
using EMamba.Core.Approx;
using EMamba.Reports;
using EMamba.Training.Scan;
using EMamba.Training.Train;

namespace EMamba.Training.Stages;

/// <summary>The eMamba operator ablation on one config: train exact Mamba, + range norm, + ReLU Delta;
/// fit PWL SiLU/exp to the last model's activations; swap them in after training (SiLU, then exp too);
/// fine-tune with them in the loop; one table with test accuracy, parameters and training time.
/// Every stage lives in its own run folder and is reused when complete, resumed when not, so an
/// interrupted ablation picks up where it stopped.</summary>
public static class AblationStage
{
    /// <param name="RangeInit">initial range-norm gain of the range-norm variants: matched (layer norm's
    /// scale) or one (gamma = 1, the first ablations' setting)</param>
    public sealed record Request(RunConfig Base, string Name, string OutDir, string? Data, int? LimitTrain, int? LimitTest,
        IReadOnlyList<string> Variants, int FineTuneEpochs, string? ReportPath, string Command, RangeInit RangeInit = RangeInit.Matched, IStageObserver? Observer = null);

    /// <param name="Test">the task metric on the test split (accuracy in %, or MAE in cm)</param>
    public sealed record Row(string Label, double Test, long Parameters, double TrainSeconds, string How);


    public static IReadOnlyList<Row> Run(Request q, CancellationToken ct)
    {
        var obs = q.Observer ?? SilentStageObserver.Instance;
        foreach (var v in q.Variants)
            if (!Variants.Trained.ContainsKey(v)) throw new EMambaException($"variant '{v}' is not one of {string.Join(", ", Variants.Trained.Keys)}", ExitCodes.Usage);
        if (!q.Variants.Contains("range-relu")) throw new EMambaException("the ablation needs the 'range-relu' variant (the approximations are applied to it)", ExitCodes.Usage);
        var rows = new List<Row>();
        TrainLog? last = null;
        foreach (var v in Variants.Trained.Keys.Where(q.Variants.Contains))
        {
            var (norm, delta, label) = Variants.Trained[v];
            // Without the range-norm row, the ReLU-Delta row adds both operators to exact Mamba.
            if (v == "range-relu" && !q.Variants.Contains("range")) label = "+ range norm + ReLU Delta";
            var cfg = q.Base with
            {
                Model = q.Base.Model with
                {
                    Norm = norm, DeltaAct = delta, Silu = Impl.Exact, Exp = Impl.Exact,
                    RangeInit = norm == Norm.Range && q.RangeInit == RangeInit.Matched ? RangeInit.Matched : null,
                },
            };
            last = TrainOrReuse(cfg, Path.Combine(q.OutDir, v), q, ct);
            rows.Add(new Row(label, last.Test[last.MetricName], last.Parameters, last.TotalTrainSeconds, "trained"));
        }
        string best = Path.Combine(q.OutDir, "range-relu", RunFolder.BestFile);
        string approxDir = Path.Combine(q.OutDir, "approx"), fitted = Path.Combine(approxDir, "approx.json"), uniform = Path.Combine(approxDir, "approx-uniform.json");
        var sw = Stopwatch.StartNew();
        List<PwlFitResult>? fits = null;
        if (!File.Exists(fitted) || !File.Exists(uniform))
        {
            var specs = PwlFunctions.All.Select(f => { var (n, lo, hi) = f.Default(); return new PwlFitSpec(f, n, lo, hi); }).ToList();
            fits = [.. ApproxStage.Run(new ApproxStage.Request(best, fitted, q.Data, 500, specs, q.Command, obs))];
            new ApproxFile(fits.ToDictionary(r => r.Spec.Function, r => r.Uniform)).Save(uniform);
        }
        double fitSeconds = sw.Elapsed.TotalSeconds;

        double Eval(string model, string? approx, params PwlFunction[] only)
        {
            obs.Info($"evaluating {model}" + (approx is null ? "" : $" with {string.Join("+", only.Select(f => f.Name()))} from {approx}"));
            return EvalStage.Run(model, q.Data, "test", q.LimitTest, 500, approx, only.Length > 0 ? only : null).Metric;
        }
        long p = last!.Parameters;
        int silu = PwlFunction.Silu.Default().Segments, exp = PwlFunction.Exp.Default().Segments;
        rows.Add(new Row($"+ PWL SiLU ({silu} segments, fitted knots)", Eval(best, fitted, PwlFunction.Silu), p, last.TotalTrainSeconds, "swapped after training"));
        rows.Add(new Row($"+ PWL exp ({exp} segments, fitted) = all eMamba ops", Eval(best, fitted, PwlFunction.Silu, PwlFunction.Exp), p, last.TotalTrainSeconds, "swapped after training"));
        var tuneCfg = TrainStage.FineTuneConfig(best, fitted, onlyApprox: false);
        tuneCfg = tuneCfg with { Train = tuneCfg.Train with { Epochs = q.FineTuneEpochs } };
        var tuned = TrainOrReuse(tuneCfg, Path.Combine(q.OutDir, "finetune"), q, ct);
        rows.Add(new Row("all eMamba ops, fine-tuned", tuned.Test[tuned.MetricName], tuned.Parameters, last.TotalTrainSeconds + tuned.TotalTrainSeconds,
            $"fine-tuned {tuneCfg.Train.Epochs} epoch(s) at lr {tuneCfg.Train.Lr:G3} (+{tuned.TotalTrainSeconds:F0} s)"));
        rows.Add(new Row("(extra) PWL exp only", Eval(best, fitted, PwlFunction.Exp), p, last.TotalTrainSeconds, "swapped after training"));
        rows.Add(new Row("(extra) all eMamba ops, uniform knots (paper grid)", Eval(best, uniform, PwlFunction.Silu, PwlFunction.Exp), p, last.TotalTrainSeconds, "swapped after training"));

        var objective = TaskObjective.For(q.Base.Model);
        if (q.ReportPath != null) WriteReport(obs, q, rows, fits, objective, last.Protocol);
        return rows;
    }

    private static TrainLog TrainOrReuse(RunConfig cfg, string dir, Request q, CancellationToken ct) =>
        TrainOrReuse(cfg, dir, q.Data, q.LimitTrain, q.LimitTest, q.Command, q.Observer, ct);

    /// <summary>Trains a run folder, or reuses it when it holds a finished run of exactly this config (resumes an unfinished one).</summary>
    public static TrainLog TrainOrReuse(RunConfig cfg, string dir, string? data, int? limitTrain, int? limitTest, string command,
        IStageObserver? observer, CancellationToken ct)
    {
        var obs = observer ?? SilentStageObserver.Instance;
        cfg = TrainStage.Resolve(cfg, data);
        var folder = new RunFolder(dir);
        if (folder.CompleteLog(cfg) is TrainLog log)
        {
            obs.Info($"{dir}: complete, reused (test {log.MetricName} {Figures.Format(log.MetricName, log.Test[log.MetricName])})");
            return log;
        }
        bool resume = folder.CanResume;
        obs.Info($"{dir}: {(resume ? "resuming" : "training")} ({cfg.Train.Epochs} epochs)");
        return TrainStage.Run(new TrainStage.Request(cfg, data, limitTrain, limitTest, dir, resume, Force: false, Test: true, command, obs), ct);
    }

    private static void WriteReport(IStageObserver obs, Request q, List<Row> rows, List<PwlFitResult>? fits, TaskObjective objective, string? protocol)
    {
        var sb = new StringBuilder();
        var m = q.Base.Model;
        sb.AppendLine($"# eMamba operator ablation: {q.Name}");
        sb.AppendLine();
        sb.Append(MachineInfo.ProvenanceLines(q.Command));
        sb.AppendLine($"- range norm gain at initialisation: {(q.RangeInit == RangeInit.Matched ? "matched to layer norm's scale (expected range of D standard normals)" : "gamma = 1")}");
        sb.AppendLine($"- model: {m.Task.Name()}, D={m.DModel}, E={m.Expand}, N={m.DState}, M={m.NLayers}, P={m.Patch}; {q.Base.Train.Epochs} epochs per trained row, " +
                      $"batch {q.Base.Train.BatchSize}, lr {q.Base.Train.Lr:G3}, seed {q.Base.Train.Seed}; run folders under `{q.OutDir}`");
        if (protocol != null) sb.AppendLine($"- data: {protocol}");
        sb.AppendLine("- each trained row adds one operator to the row above; the PWL rows swap tables fitted to the ReLU-Delta model's " +
                      "activations (on a sample of the training split, see the approx report) into that model without retraining; the test metric is on the full test split unless limited");
        sb.AppendLine(CrossRunReport.WallTimeCaveat);
        sb.AppendLine();
        sb.AppendLine($"| model | {Figures.MetricHeader(objective.MetricName)} | parameters | training s | how |");
        sb.AppendLine("|---|---:|---:|---:|---|");
        foreach (var r in rows)
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {r.Label} | {(double.IsFinite(r.Test) ? r.Test.ToString("F2", CultureInfo.InvariantCulture) : "not finite (diverged)")} | {r.Parameters:N0} | {r.TrainSeconds:F0} | {r.How} |"));
        sb.AppendLine();
        double diff = rows.First(r => r.Label.StartsWith("all eMamba ops, fine-tuned")).Test - rows[0].Test;
        // Accuracy and MAE differ in points / cm; perplexity is a ratio, so its difference is relative.
        string size = objective.MetricName switch
        {
            "accuracy" => $"{Math.Abs(diff):F2} points",
            "mae_cm" => $"{Math.Abs(diff):F2} cm",
            _ => $"{Math.Abs(diff) / rows[0].Test * 100:F1} %",
        };
        string verdict = diff == 0 ? "equal" : $"{size} {(diff > 0 ? "higher" : "lower")} ({(objective.Better(diff + rows[0].Test, rows[0].Test) ? "better" : "worse")})";
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Full eMamba (fine-tuned) vs exact Mamba, test {objective.MetricName}: {verdict}."));
        sb.AppendLine();
        sb.AppendLine("PWL error (uniform vs fitted knots; histogram of the ReLU-Delta model's activations):");
        sb.AppendLine();
        sb.Append(fits != null ? ApproxStage.ErrorMarkdown(fits) : ApproxStage.ErrorMarkdown(ApproxFile.Load(Path.Combine(q.OutDir, "approx", "approx.json"))));
        sb.AppendLine();
        sb.AppendLine($"Tables, plots and their own report: `{Path.Combine(q.OutDir, "approx")}/approx.md`.");
        AtomicFile.WriteAllText(q.ReportPath!, sb.ToString());
        // A swapped-in table can make a model diverge (NaN perplexity); JSON has no NaN, so it is null.
        AtomicFile.WriteAllText(Path.ChangeExtension(q.ReportPath!, ".json"), JsonSerializer.Serialize(rows.Select(r => new
        {
            r.Label, Test = double.IsFinite(r.Test) ? r.Test : (double?)null, r.Parameters, r.TrainSeconds, r.How,
        }), RunConfig.Json));
        obs.Info($"wrote {q.ReportPath}");
    }
}
