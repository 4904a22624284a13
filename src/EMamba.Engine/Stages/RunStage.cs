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
    /// <param name="UseReference">run the scalar reference (Reference.Run) instead of the fast path (bit-identical, slower)</param>
    /// <param name="BatchSize">samples handed to the engine per call (host quantization runs per batch; the codes do not depend on it)</param>
    public sealed record Request(string Model, string Split, string? Data, int? LimitTest, int Threads, bool CompareFloat = true, IStageObserver? Observer = null, int Divergence = 0,
        bool UseReference = false, int BatchSize = DefaultBatch);

    public const int DefaultBatch = 1024, MaxBatch = 65536;

    /// <param name="Metric">the integer model's metric (accuracy in %, MAE in cm)</param>
    /// <param name="FloatMetric">the float reference's on the same samples (null when its checkpoint is gone or not asked for)</param>
    /// <param name="Agreement">classification: the share of samples whose predicted class equals the float model's (%)</param>
    public sealed record Result(string MetricName, double Metric, double? FloatMetric, Dictionary<string, double> Figures,
        Dictionary<string, double>? FloatFigures, double? Agreement, int Samples, double Seconds, double UsPerFrame, string? FloatSource,
        IReadOnlyList<Divergence.Row>? Divergence = null, string EnginePath = "");

    public static Result Run(Request q, CancellationToken ct = default)
    {
        var obs = q.Observer ?? SilentStageObserver.Instance;
        var file = QuantFile.Load(q.Model);
        var m = file.Model;
        var cfg = m.Config;
        if (cfg.Head == Head.Lm) return LmRunStage.Run(q, file, null, ct);   // language models: streaming perplexity (LmRunStage.cs)
        var rc = new RunConfig { Model = cfg };
        var ds = SplitChecks.NonEmpty(TaskData.First(TaskData.Split(rc, q.Data, q.Split), q.LimitTest), q.Split);
        var norm = Normalizer.Parse(m.Normalizer, cfg.InChannels);
        int n = ds.Count, outs = cfg.NumOutputs;
        var opts = new ParallelOptions { MaxDegreeOfParallelism = q.Threads, CancellationToken = ct };
        // Chunks of samples: host input quantization first (doc §1), then the engine, timed alone.
        if (q.BatchSize < 1 || q.BatchSize > MaxBatch) throw new EMambaException($"--batch-size {q.BatchSize} must be in 1..{MaxBatch}", ExitCodes.Usage);
        int chunk = q.BatchSize;
        int size = cfg.InChannels * cfg.Height * cfg.Width;
        var fast = q.UseReference ? null : Fast.FastModel.Prepare(m);
        string path = fast is null ? "reference (scalar, Reference.Run)"
            : $"fast ({fast.Width}, {fast.LayerAccumulators().Lanes} layers in int32 lanes, {fast.LayerAccumulators().Wide} in 64 bits)";
        obs.Info($"running {n:N0} {q.Split} samples in the integer engine, {path} path, on {q.Threads} thread(s)");
        var intOut = new long[n * outs];
        var codes = new long[(long)Math.Min(chunk, n) * size];
        var sw = new Stopwatch();
        for (int c0 = 0; c0 < n; c0 += chunk)
        {
            int cn = Math.Min(chunk, n - c0);
            Parallel.For(0, cn, opts, i => Samples.Codes(Samples.Normalised(ds, c0 + i, norm), m.Input).CopyTo(codes, (long)i * size));
            sw.Start();
            if (fast is null)
                Parallel.For(0, cn, opts, i => Reference.Run(m, codes.AsSpan(i * size, size)).CopyTo(intOut, (c0 + i) * outs));
            else
                fast.RunBatch(codes.AsMemory(0, cn * size), q.Threads).CopyTo(intOut, c0 * outs);
            sw.Stop();
        }
        double sec = sw.Elapsed.TotalSeconds;
        var figures = TaskMetric.Of(cfg, ds, j => Samples.Real(intOut[j], m.Output), intOut, out var intClass);

        // The float model it came from, when its files are still where quantize found them.
        Dictionary<string, double>? ff = null; double? agreement = null; string? fsrc = null;
        IReadOnlyList<Divergence.Row>? div = null;
        var src = file.FloatSource;
        if (q.CompareFloat && src is { } s && File.Exists(s.Model) && (s.Approx is null || File.Exists(s.Approx)))
        {
            var fm = new FloatModel(FloatCheckpoint.Read(s.Model), s.Approx is null ? null : ApproxFile.Load(s.Approx));
            var fo = new double[n * outs];
            Parallel.For(0, n, opts, i => fm.Run(Samples.Normalised(ds, i, norm)).CopyTo(fo, i * outs));
            ff = TaskMetric.Of(cfg, ds, j => fo[j], null, out var floatClass);
            fsrc = s.Model + (s.Approx is null ? "" : $" + {s.Approx}");
            if (intClass != null && floatClass != null) agreement = 100.0 * intClass.Zip(floatClass).Count(p => p.First == p.Second) / n;
            if (q.Divergence > 0)
                div = Quantize.Divergence.Measure(m, fm, Enumerable.Range(0, Math.Min(q.Divergence, n)).Select(i => Samples.Normalised(ds, i, norm)));
        }
        string metric = TaskMetric.Name(cfg);
        return new Result(metric, figures[metric], ff?[metric], figures, ff, agreement, n, sec, sec * 1e6 / n, fsrc, div, path);
    }
}
