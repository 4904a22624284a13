using System.Globalization;
using EMamba.Core;
using EMamba.Core.Integer;
using EMamba.Engine.Stages;
using EMamba.Reports;

namespace EMamba.Training.Stages;

/// <summary>Quantization-aware fine-tuning (docs/integer.md §21), in four steps that each leave a file
/// in the run folder: (1) post-training quantize the float model (<see cref="TemplateFile"/>: the
/// domains QAT trains under); (2) fine-tune with the integer forward in the loop (an ordinary
/// resumable training run: best.safetensors is a float checkpoint); (3) quantize the best checkpoint
/// with the template's domains pinned (<see cref="QuantizedFile"/>); (4) run the template and the
/// result in the integer engine on the test split and write <see cref="ReportFile"/>.</summary>
public static class QatStage
{
    public const string TemplateFile = "ptq.q.safetensors", QuantizedFile = "qat.q.safetensors", ReportFile = "qat.md";

    /// <param name="Config">the fine-tuning config (train.init_from set); its train.qat is set here</param>
    public sealed record Request(RunConfig Config, string? Data, int? LimitTrain, int? LimitTest, string OutDir, bool Resume, bool Force,
        int Calib, CalibMethod Method, string? Precision, int Threads, string Command, IStageObserver? Observer = null);

    /// <param name="Ptq">the post-training quantized model in the engine</param>
    /// <param name="Qat">the quantization-aware fine-tuned model in the engine</param>
    public sealed record Result(TrainLog Log, RunStage.Result Ptq, RunStage.Result Qat, string Template, string Quantized);

    public static Result Run(Request q, CancellationToken ct = default)
    {
        var obs = q.Observer ?? SilentStageObserver.Instance;
        var t = q.Config.Train;
        if (t.InitFrom is null) throw new EMambaException("--qat fine-tunes a trained model: pass --init-from <checkpoint>", ExitCodes.Usage);
        if (q.Config.Model.Head == Head.Lm) throw new EMambaException("--qat covers vision and radar models; quantize a language model after training ('emamba quantize')", ExitCodes.Usage);
        if (q.Resume && q.Force) throw new EMambaException("--resume and --force exclude each other: --resume continues the run in --out, --force replaces it", ExitCodes.Usage);
        var folder = new RunFolder(q.OutDir);
        // Before the template is (re)written: a run already here is only continued or replaced on request.
        if (!q.Resume && !q.Force && folder.CanResume)
            throw new EMambaException($"{q.OutDir}: already holds a run; pass --resume to continue it or --force to replace it", ExitCodes.Usage);
        string template = Path.GetFullPath(Path.Combine(q.OutDir, TemplateFile));
        Directory.CreateDirectory(q.OutDir);
        if (!(q.Resume && File.Exists(template)))
        {
            obs.Info($"step 1/4: post-training quantization of {t.InitFrom} (the domains QAT trains under)");
            QuantizeStage.Run(new QuantizeStage.Request(t.InitFrom, t.Approx, q.Data, q.Calib, q.Method, q.Precision, template, q.Command, obs), ct);
        }
        var cfg = q.Config with { Train = t with { Qat = template } };
        obs.Info("step 2/4: fine-tuning with the integer forward in the loop");
        var log = TrainStage.Run(new TrainStage.Request(cfg, q.Data, q.LimitTrain, q.LimitTest, q.OutDir, q.Resume, q.Force, Test: false, q.Command, obs), ct);
        string quantized = Path.Combine(q.OutDir, QuantizedFile);
        obs.Info("step 3/4: quantizing the fine-tuned model with the template's domains pinned");
        QuantizeStage.Run(new QuantizeStage.Request(folder.Best, null, q.Data, q.Calib, q.Method, null, quantized, q.Command, obs, PinFrom: template), ct);
        obs.Info("step 4/4: the PTQ and QAT models in the integer engine on the test split");
        var ptq = RunStage.Run(new RunStage.Request(template, "test", q.Data, q.LimitTest, q.Threads, CompareFloat: true, obs), ct);
        var qat = RunStage.Run(new RunStage.Request(quantized, "test", q.Data, q.LimitTest, q.Threads, CompareFloat: false, obs), ct);
        foreach (var (k, v) in qat.Figures) log.Test["int8_qat_" + k] = v;
        foreach (var (k, v) in ptq.Figures) log.Test["int8_ptq_" + k] = v;
        foreach (var (k, v) in ptq.FloatFigures ?? []) log.Test["float_" + k] = v;
        AtomicFile.WriteAllText(folder.Log, log.ToJson());
        AtomicFile.WriteAllText(Path.Combine(q.OutDir, ReportFile), Report(q, log, ptq, qat));
        return new Result(log, ptq, qat, template, quantized);
    }

    private static string Report(Request q, TrainLog log, RunStage.Result ptq, RunStage.Result qat)
    {
        static string F(string metric, double v) => Figures.Format(metric, v);
        var inv = CultureInfo.InvariantCulture;
        var lines = new List<string>
        {
            $"# Quantization-aware fine-tuning: {log.Config.Model.Task.Name()}",
            "",
            $"- command: `{q.Command}`",
            $"- date: {DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", inv)} UTC; machine: {MachineInfo.Describe()}",
            $"- from: `{log.Config.Train.InitFrom}`; {log.Epochs.Count} epoch(s) at lr {log.Config.Train.Lr.ToString("G3", inv)}; best epoch {log.BestEpoch} on validation (integer forward)",
            $"- test split: {ptq.Samples:N0} samples; every integer figure is the integer engine's ({ptq.EnginePath} path)",
            "",
        };
        // One column per figure, the task metric first (samples is in the line above).
        var keys = new[] { ptq.MetricName }.Concat(ptq.Figures.Keys.Where(k => k != ptq.MetricName && k != "samples")).ToList();
        string Row(string name, IReadOnlyDictionary<string, double>? f) =>
            $"| {name} | " + string.Join(" | ", keys.Select(k => f != null && f.TryGetValue(k, out var v) ? F(k, v) : "")) + " |";
        lines.Add("| model | " + string.Join(" | ", keys.Select(k => Figures.MetricHeader(k))) + " |");
        lines.Add("|---|" + string.Concat(keys.Select(_ => "---:|")));
        if (ptq.FloatFigures != null) lines.Add(Row($"FP32 (double-precision float reference of `{log.Config.Train.InitFrom}`)", ptq.FloatFigures));
        lines.Add(Row($"INT8 post-training quantization (`{TemplateFile}`)", ptq.Figures));
        lines.Add(Row($"INT8 quantization-aware fine-tuned (`{QuantizedFile}`)", qat.Figures));
        lines.Add("");
        return string.Join("\n", lines);
    }
}
