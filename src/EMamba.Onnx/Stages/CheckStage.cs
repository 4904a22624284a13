using System.Diagnostics;
using EMamba.Core;
using EMamba.Core.Approx;
using EMamba.Core.Integer;
using EMamba.Data;
using EMamba.Data.Checkpoints;
using EMamba.Engine;
using EMamba.Engine.Fast;
using EMamba.Engine.Quantize;
using EMamba.Engine.Stages;

namespace EMamba.Onnx.Stages;

/// <summary><c>emamba export onnx --check</c>: the exported graph in ONNX Runtime on a real split, beside the
/// product's own forward of the same model: for a float graph the float reference (<see cref="FloatModel"/>,
/// double precision, the same PWL tables), for a QDQ graph the integer engine (fast path, bit-exact with the
/// reference). Prints both metrics, the largest output difference and, for classes, the agreement.</summary>
public static class CheckStage
{
    public sealed record Request(string Onnx, string Model, string? Approx, string Split, string? Data, int? LimitTest, int Threads, IStageObserver? Observer = null);

    /// <param name="OnnxFigures">ONNX Runtime's figures (metric, rmse for MARS, samples)</param>
    /// <param name="ProductFigures">the product's own forward's, on the same samples</param>
    /// <param name="MaxAbsDiff">largest |ORT output - product output| over every output of every sample (real units)</param>
    /// <param name="SameClass">classification: % of samples whose argmax agrees</param>
    /// <param name="EqualCodes">QDQ: % of head outputs whose code (output x 2^frac, rounded) equals the engine's</param>
    /// <param name="MeanAbsDiff">mean |ORT output - product output|</param>
    /// <param name="NormF">QDQ: agreement of the final norm's codes (the last quantized boundary) with the engine's</param>
    public sealed record Result(ExportKind Kind, string MetricName, Dictionary<string, double> OnnxFigures, Dictionary<string, double> ProductFigures,
        double MaxAbsDiff, double? SameClass, double? EqualCodes, int Samples, double OrtUsPerFrame, string Product, double MeanAbsDiff = 0,
        BoundaryAgreement.Result? NormF = null, int Batch = Chunk);

    /// <summary>Samples per ONNX Runtime call, at most (fewer for large models: <see cref="BatchBudget"/>).</summary>
    public const int Chunk = 256;

    public static Result Run(Request q, CancellationToken ct = default)
    {
        var obs = q.Observer ?? SilentStageObserver.Instance;
        var kind = ExportStage.KindOf(q.Model);
        ModelConfig cfg; Func<IDataset, (double[] Out, long[]? Codes)> product; string productName;
        IntModel? im = null; int knots;
        Domain? outDomain = null;
        if (kind == ExportKind.Float)
        {
            var ck = FloatCheckpoint.Read(q.Model);
            var fm = new FloatModel(ck, q.Approx is null ? null : ApproxFile.Load(q.Approx));
            cfg = fm.Config;
            knots = fm.Exp.Knots.Length;
            productName = "float reference (FloatModel, double precision)";
            product = ds =>
            {
                var o = new double[ds.Count * cfg.NumOutputs];
                Parallel.For(0, ds.Count, new ParallelOptions { MaxDegreeOfParallelism = q.Threads, CancellationToken = ct },
                    i => fm.Run(Samples.Normalised(ds, i, ck.Normalizer)).CopyTo(o, i * cfg.NumOutputs));
                return (o, null);
            };
        }
        else
        {
            var m = QuantFile.Read(q.Model);
            im = m;
            cfg = m.Config;
            knots = m.Blocks.Length == 0 ? 2 : m.Blocks.Max(b => b.Exp.Knots.Length);
            outDomain = m.Output;
            var norm = Normalizer.Parse(m.Normalizer, cfg.InChannels);
            var fast = FastModel.Prepare(m);
            productName = $"integer engine (fast path, {fast.Width})";
            product = ds =>
            {
                int size = cfg.InChannels * cfg.Height * cfg.Width;
                var codes = new long[(long)ds.Count * size];
                Parallel.For(0, ds.Count, new ParallelOptions { MaxDegreeOfParallelism = q.Threads, CancellationToken = ct },
                    i => Samples.Codes(Samples.Normalised(ds, i, norm), m.Input).CopyTo(codes, (long)i * size));
                var oc = fast.RunBatch(codes, q.Threads);
                return ([.. oc.Select(c => Samples.Real(c, m.Output))], oc);
            };
        }
        if (cfg.Head == Head.Lm) throw new EMambaException($"{q.Model}: --check runs vision / radar models only", ExitCodes.Usage);
        var ds = SplitChecks.NonEmpty(TaskData.First(TaskData.Split(new RunConfig { Model = cfg }, q.Data, q.Split), q.LimitTest), q.Split);
        int n = ds.Count, outs = cfg.NumOutputs;

        using var ort = new OrtSession(q.Onnx, q.Threads);
        int size1 = ort.InputSize;
        if (size1 != cfg.InChannels * cfg.Height * cfg.Width || ort.Outputs != outs)
            throw new EMambaException($"{q.Onnx}: its input ({size1} values) or output ({ort.Outputs}) does not fit {q.Model} ({cfg.InChannels * cfg.Height * cfg.Width}, {outs}); was it exported from another model?", ExitCodes.BadInput);
        int chunk = BatchBudget.Samples(cfg, knots, Chunk);
        obs.Info($"running {n:N0} {q.Split} samples in ONNX Runtime ({q.Threads} thread(s), batches of {chunk}) and in the {productName}");
        var ortOut = new double[n * outs];
        var sw = new Stopwatch();
        for (int c0 = 0; c0 < n; c0 += chunk)
        {
            ct.ThrowIfCancellationRequested();
            int cn = Math.Min(chunk, n - c0);
            var x = new float[cn * size1];
            RawInputs.Copy(ds, c0, cn, x);
            sw.Start();
            var y = ort.Run(x, cn);
            sw.Stop();
            for (int j = 0; j < y.Length; j++) ortOut[c0 * outs + j] = y[j];
        }
        var (prodOut, prodCodes) = product(ds);
        var of = TaskMetric.Of(cfg, ds, j => ortOut[j], null, out var oc);
        var pf = TaskMetric.Of(cfg, ds, j => prodOut[j], prodCodes, out var pc);
        double maxDiff = 0, sumDiff = 0;
        for (int j = 0; j < ortOut.Length; j++) { double df = Math.Abs(ortOut[j] - prodOut[j]); maxDiff = Math.Max(maxDiff, df); sumDiff += df; }
        BoundaryAgreement.Result? nf = null;
        if (im != null)
        {
            obs.Info("comparing the final norm's codes (the QDQ graph cut at norm_f) with the engine's reference");
            nf = BoundaryAgreement.Measure(im, ds, "norm_f", im.FinalNorm.Out, q.Threads, chunk, ct);
        }
        double? same = oc != null && pc != null ? 100.0 * oc.Zip(pc).Count(p => p.First == p.Second) / n : null;
        double? equal = null;
        if (prodCodes != null && outDomain is Domain d)
        {
            double s = Math.ScaleB(1.0, d.Frac);
            long eq = 0;
            for (int j = 0; j < ortOut.Length; j++) if ((long)Math.Round(ortOut[j] * s) == prodCodes[j]) eq++;
            equal = 100.0 * eq / ortOut.Length;
        }
        string metric = TaskMetric.Name(cfg);
        return new Result(kind, metric, of, pf, maxDiff, same, equal, n, sw.Elapsed.TotalSeconds * 1e6 / n, productName, sumDiff / ortOut.Length, nf, chunk);
    }
}
