using System.Diagnostics;
using System.Text.Json.Nodes;
using EMamba.Core;
using EMamba.Core.Approx;
using EMamba.Core.Integer;
using EMamba.Data;
using EMamba.Data.Checkpoints;
using EMamba.Engine.Quantize;

namespace EMamba.Engine.Stages;

/// <summary>Runs a quantized model in the integer engine on a split and puts its metric beside the
/// float model it was made from (the double-precision float reference with the same PWL tables).
/// Samples run in parallel; each is independent, so results do not depend on the thread count.</summary>
public static class RunStage
{
    public sealed record Request(string Model, string Split, string? Data, int? LimitTest, int Threads, bool CompareFloat = true, IStageObserver? Observer = null, int Divergence = 0);

    /// <param name="Metric">the integer model's metric (accuracy in %, MAE in cm)</param>
    /// <param name="FloatMetric">the float reference's on the same samples (null when its checkpoint is gone or not asked for)</param>
    /// <param name="Agreement">classification: the share of samples whose predicted class equals the float model's (%)</param>
    public sealed record Result(string MetricName, double Metric, double? FloatMetric, Dictionary<string, double> Figures,
        Dictionary<string, double>? FloatFigures, double? Agreement, int Samples, double Seconds, double UsPerFrame, string? FloatSource,
        IReadOnlyList<Divergence.Row>? Divergence = null);

    public static Result Run(Request q, CancellationToken ct = default)
    {
        var obs = q.Observer ?? SilentStageObserver.Instance;
        var m = QuantFile.Read(q.Model);
        var cfg = m.Config;
        if (cfg.Head == Head.Lm) return LmRunStage.Run(q, m, null, ct);   // language models: streaming perplexity (LmRunStage.cs)
        var rc = new RunConfig { Model = cfg };
        var ds = SplitChecks.NonEmpty(TaskData.First(TaskData.Split(rc, q.Data, q.Split), q.LimitTest), q.Split);
        var norm = Normalizer.Parse(m.Normalizer, cfg.InChannels);
        int n = ds.Count, outs = cfg.NumOutputs;
        var intOut = new long[n * outs];
        var opts = new ParallelOptions { MaxDegreeOfParallelism = q.Threads, CancellationToken = ct };
        obs.Info($"running {n:N0} {q.Split} samples in the integer engine on {q.Threads} thread(s)");
        var sw = Stopwatch.StartNew();
        Parallel.For(0, n, opts, i =>
        {
            var codes = Samples.Codes(Samples.Normalised(ds, i, norm), m.Input);
            Reference.Run(m, codes).CopyTo(intOut, i * outs);
        });
        double sec = sw.Elapsed.TotalSeconds;
        var figures = Figures(cfg, ds, j => Samples.Real(intOut[j], m.Output), intOut, out var intClass);

        // The float model it came from, when its files are still where quantize found them.
        Dictionary<string, double>? ff = null; double? agreement = null; string? fsrc = null;
        IReadOnlyList<Divergence.Row>? div = null;
        var src = SourceOf(q.Model);
        if (q.CompareFloat && src is { } s && File.Exists(s.Model) && (s.Approx is null || File.Exists(s.Approx)))
        {
            var fm = new FloatModel(FloatCheckpoint.Read(s.Model), s.Approx is null ? null : ApproxFile.Load(s.Approx));
            var fo = new double[n * outs];
            Parallel.For(0, n, opts, i => fm.Run(Samples.Normalised(ds, i, norm)).CopyTo(fo, i * outs));
            ff = Figures(cfg, ds, j => fo[j], null, out var floatClass);
            fsrc = s.Model + (s.Approx is null ? "" : $" + {s.Approx}");
            if (intClass != null && floatClass != null) agreement = 100.0 * intClass.Zip(floatClass).Count(p => p.First == p.Second) / n;
            if (q.Divergence > 0)
                div = Quantize.Divergence.Measure(m, fm, Enumerable.Range(0, Math.Min(q.Divergence, n)).Select(i => Samples.Normalised(ds, i, norm)));
        }
        string metric = cfg.Head == Head.Regress ? "mae_cm" : "accuracy";
        return new Result(metric, figures[metric], ff?[metric], figures, ff, agreement, n, sec, sec * 1e6 / n, fsrc, div);
    }

    private static (string Model, string? Approx)? SourceOf(string path)
    {
        var f = SafetensorsFile.Read(path);
        if (!f.Metadata.TryGetValue("source", out var json) || JsonNode.Parse(json) is not JsonObject o) return null;
        var model = o["model"]?.GetValue<string>();
        return model is null ? null : (model, o["approx"]?.GetValue<string>());
    }

    // The task metric from per-sample outputs (row-major [sample, output]); codes give the argmax for classes.
    private static Dictionary<string, double> Figures(ModelConfig cfg, IDataset ds, Func<int, double> value, long[]? codes, out int[]? classes)
    {
        int n = ds.Count, outs = cfg.NumOutputs;
        var f = new Dictionary<string, double> { ["samples"] = n };
        classes = null;
        if (cfg.Head == Head.Regress && ds is FloatDataset fd)
        {
            var pred = new float[n * outs];
            for (int j = 0; j < pred.Length; j++) pred[j] = (float)value(j);
            var r = Metrics.Regression(pred, fd.Targets.AsSpan(0, n * outs), outs);
            f["mae_cm"] = r.MeanMae; f["rmse_cm"] = r.MeanRmse;
            return f;
        }
        if (ds is not ImageDataset im) throw new EMambaException($"{ds.Source}: a classification model needs an image data set");
        classes = new int[n];
        for (int i = 0; i < n; i++)
        {
            int best = 0;
            for (int k = 1; k < outs; k++)
                if ((codes != null ? codes[i * outs + k] > codes[i * outs + best] : value(i * outs + k) > value(i * outs + best))) best = k;
            classes[i] = best;
        }
        long ok = 0;
        for (int i = 0; i < n; i++) if (classes[i] == im.Labels[i]) ok++;
        f["accuracy"] = Metrics.Accuracy(ok, n);
        return f;
    }
}
