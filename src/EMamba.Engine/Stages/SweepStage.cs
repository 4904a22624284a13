using System.Diagnostics;
using EMamba.Core;
using EMamba.Core.Approx;
using EMamba.Core.Integer;
using EMamba.Data;
using EMamba.Data.Checkpoints;
using EMamba.Engine.Lm;
using EMamba.Engine.Quantize;

namespace EMamba.Engine.Stages;

/// <summary><c>emamba quantize sweep</c> (doc §20): the SSM state width against the calibration method.
/// The float model is calibrated once (the statistics do not depend on the precision); each
/// (state bits, method) is then quantized in memory and scored by the integer reference on the first
/// N test samples (language models: streaming perplexity at each length on the first N test tokens),
/// beside the float model on the same data.</summary>
public static class SweepStage
{
    /// <param name="LimitTest">test samples (language models: test tokens) each combination is scored on;
    /// null: <see cref="DefaultSamples"/> or <see cref="DefaultTokens"/>, a few minutes on mars-paper</param>
    /// <param name="Lengths">language models: the sequence lengths scored</param>
    public sealed record Request(string Model, string? Approx, string? Data, IReadOnlyList<int> StateBits, IReadOnlyList<CalibMethod> Methods,
        int Calib, int? LimitTest, int Threads, IStageObserver? Observer = null, int LmTokens = 256, IReadOnlyList<int>? Lengths = null);

    /// <param name="Figures">the integer engine's figures (the metric, and the others of its task)</param>
    public sealed record Row(int StateBits, CalibMethod Method, double Metric, Dictionary<string, double> Figures, double Seconds);

    /// <param name="Metric">the figure rows are ranked by: mae_cm, accuracy, or ppl_L of the longest length scored</param>
    public sealed record Result(string Model, string MetricName, IReadOnlyList<Row> Rows, double FloatMetric, Dictionary<string, double> FloatFigures,
        int CalibSamples, int TestSamples, double Seconds);

    public const int DefaultSamples = 1000, DefaultTokens = 8192;

    public static Result Run(Request q, CancellationToken ct = default)
    {
        var obs = q.Observer ?? SilentStageObserver.Instance;
        if (q.Calib < 1 || q.Calib > QuantizeStage.MaxCalib) throw new EMambaException($"--calib {q.Calib} must be in 1..{QuantizeStage.MaxCalib}", ExitCodes.Usage);
        if (q.LimitTest is < 1) throw new EMambaException("--limit-test must be a positive number of test samples (tokens for a language model)", ExitCodes.Usage);
        var (lo, hi) = Precision.BitRange("h");
        if (q.StateBits.Count == 0 || q.StateBits.Any(b => b < lo || b > hi)) throw new EMambaException($"--state-bits must be widths in {lo}..{hi}", ExitCodes.Usage);
        if (q.Methods.Count == 0) throw new EMambaException("--methods must name at least one of max, percentile, mse", ExitCodes.Usage);
        var sw = Stopwatch.StartNew();
        var ck = FloatCheckpoint.Read(q.Model);
        var fm = new FloatModel(ck, q.Approx is null ? null : ApproxFile.Load(q.Approx));
        var (cal, nCal) = QuantizeStage.Calibrate(ck, fm, q.Data, q.Calib, q.LmTokens, obs, ct);
        var opts = new ParallelOptions { MaxDegreeOfParallelism = q.Threads, CancellationToken = ct };
        var eval = fm.Config.Head == Head.Lm ? LmEvaluator(q, ck, fm, opts, obs, ct) : VisionEvaluator(q, ck, fm, opts, obs);
        var rows = new List<Row>();
        foreach (int bits in q.StateBits.Distinct())
            foreach (var method in q.Methods.Distinct())
            {
                var t0 = sw.Elapsed.TotalSeconds;
                // Only the state's width is swept; every other boundary keeps its default width.
                var prec = new Precision { Method = method, Kinds = new Dictionary<string, Precision.Override> { ["h"] = new(Bits: bits) } };
                var m = Quantizer.Run(fm, cal, prec, ck.Normalizer.Serialize(), out _);
                var f = eval.Int(m);
                rows.Add(new Row(bits, method, f[eval.Metric], f, sw.Elapsed.TotalSeconds - t0));
                obs.Info(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"state s{bits}, {method.ToString().ToLowerInvariant()}: {eval.Metric} {f[eval.Metric]:F3} (float {eval.Float[eval.Metric]:F3}), {rows[^1].Seconds:F1} s"));
            }
        return new Result(q.Model, eval.Metric, rows, eval.Float[eval.Metric], eval.Float, nCal, eval.Samples, sw.Elapsed.TotalSeconds);
    }

    private sealed record Evaluator(string Metric, Dictionary<string, double> Float, int Samples, Func<IntModel, Dictionary<string, double>> Int);

    // Vision / radar: Reference.Run over the first N test samples, in parallel over samples.
    private static Evaluator VisionEvaluator(Request q, FloatCheckpoint ck, FloatModel fm, ParallelOptions opts, IStageObserver obs)
    {
        var cfg = fm.Config;
        var ds = SplitChecks.NonEmpty(TaskData.First(TaskData.Split(ck.Config, q.Data, "test"), q.LimitTest ?? DefaultSamples), "test");
        int n = ds.Count, outs = cfg.NumOutputs;
        var inputs = new double[n][];
        Parallel.For(0, n, opts, i => inputs[i] = Samples.Normalised(ds, i, ck.Normalizer));
        var fo = new double[n * outs];
        Parallel.For(0, n, opts, i => fm.Run(inputs[i]).CopyTo(fo, i * outs));
        var ff = TaskMetric.Of(cfg, ds, j => fo[j]);
        obs.Info($"scoring each combination on the first {n:N0} test samples of {ds.Source}");
        return new Evaluator(TaskMetric.Name(cfg), ff, n, m =>
        {
            var io = new long[n * outs];
            Parallel.For(0, n, opts, i => Reference.Run(m, Samples.Codes(inputs[i], m.Input)).CopyTo(io, i * outs));
            return TaskMetric.Of(cfg, ds, j => Samples.Real(io[j], m.Output), io);
        });
    }

    // Language model: streaming perplexity at each length on the first N test tokens.
    private static Evaluator LmEvaluator(Request q, FloatCheckpoint ck, FloatModel fm, ParallelOptions opts, IStageObserver obs, CancellationToken ct)
    {
        var lengths = q.Lengths ?? LmRunStage.DefaultLengths;
        var stream = LmRunStage.Stream(TaskData.Corpus(ck.Config, q.Data), fm.Config, q.Model, "test", q.LimitTest ?? DefaultTokens, q.Data);
        var fit = lengths.Where(L => L >= 2 && L <= stream.Length).ToArray();
        if (fit.Length == 0) throw new EMambaException($"--limit-test {q.LimitTest ?? DefaultTokens} holds no sequence of {string.Join(" or ", lengths)} test tokens", ExitCodes.Usage);
        var plan = LmRunStage.PlanFor(stream, fit, overall: false);
        obs.Info($"scoring each combination by streaming perplexity at {string.Join(", ", fit)} tokens on the first {plan.Head.Length:N0} test tokens");
        var ff = Streaming.Figures(plan, s => Streaming.Float(fm, s.Span, ct), opts);
        return new Evaluator($"ppl_{fit.Max()}", ff, plan.Head.Length, m => Streaming.Figures(plan, s => Streaming.Integer(m, s.Span, ct), opts));
    }
}
