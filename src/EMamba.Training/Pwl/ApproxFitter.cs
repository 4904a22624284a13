using System.Text.Json.Nodes;
using EMamba.Core.Approx;
using EMamba.Data;
using static TorchSharp.torch;
using EMamba.Training.Batching;
using EMamba.Training.Eval;
using EMamba.Training.Runtime;
using EMamba.Training.Scan;

namespace EMamba.Training.Pwl;

/// <summary>Fits the PWL tables of a trained model: runs it on training samples with an
/// <see cref="ActivationProbe"/>, then places the knots of each function against its histogram
/// (<see cref="PwlFit"/>) and measures uniform-grid and fitted tables alike.</summary>
public static class ApproxFitter
{


    /// <summary>Histograms of a language model's SiLU and exp inputs over the first
    /// <paramref name="tokens"/> training tokens, read in pieces of <paramref name="chunk"/>.</summary>
    public static IReadOnlyDictionary<PwlFunction, Histogram> Collect(Modules.MambaLM model, int[] stream, int tokens, int chunk = 128)
    {
        var probe = new ActivationProbe();
        model.Ops.Probe = probe;
        try
        {
            int n = Math.Min(tokens, stream.Length);
            var seqs = new int[1, n];
            for (int t = 0; t < n; t++) seqs[0, t] = stream[t];
            LmEval.Score(model, seqs, chunk, batch: 1);
        }
        finally { model.Ops.Probe = null; }
        return probe.Histograms;
    }

    public static IReadOnlyDictionary<PwlFunction, Histogram> Collect(Modules.MambaModel model, IDataset ds, Normalizer norm,
        int samples, int batchSize = 100, Action<int, int>? progress = null)
    {
        var probe = new ActivationProbe();
        model.eval();
        model.Ops.Probe = probe;
        try
        {
            using var _ = no_grad();
            int n = Math.Min(samples, ds.Count), batches = (n + batchSize - 1) / batchSize;
            for (int b = 0; b < batches; b++)
            {
                FinalizerGate.SafePoint();
                using var scope = NewDisposeScope();
                int start = b * batchSize, m = Math.Min(batchSize, n - start);
                var idx = Enumerable.Range(start, m).ToArray();
                model.forward(Batches.Inputs(ds, idx, norm));
                progress?.Invoke(b + 1, batches);
            }
        }
        finally { model.Ops.Probe = null; }
        return probe.Histograms;
    }

    public static PwlFitResult Fit(PwlFitSpec s, Histogram h)
    {
        var uniform = PwlTable.Uniform(s.Function, s.Segments, s.Lo, s.Hi);
        var fitted = PwlFit.Fit(s.Function, s.Segments, s.Lo, s.Hi, h);
        return new PwlFitResult(s, h, uniform, PwlError.Of(uniform, h), fitted, PwlError.Of(fitted, h));
    }

    /// <summary>The approx.json for fitted tables, its info block recording source and errors.</summary>
    public static ApproxFile ToFile(IEnumerable<PwlFitResult> results, string source, int samples)
    {
        var info = new JsonObject { ["source"] = source, ["samples"] = samples, ["errors"] = new JsonObject() };
        var tables = new Dictionary<PwlFunction, PwlTable>();
        foreach (var r in results)
        {
            tables[r.Spec.Function] = r.Fitted;
            static JsonObject E(PwlError e) => new() { ["max_abs"] = e.Max, ["mean_abs"] = e.MeanAbs, ["rms"] = e.Rms };
            info["errors"]![r.Spec.Function.Name()] = new JsonObject
            {
                ["segments"] = r.Spec.Segments, ["range"] = new JsonArray(r.Spec.Lo, r.Spec.Hi),
                ["uniform"] = E(r.UniformError), ["fitted"] = E(r.FittedError),
                ["inputs_in_range"] = 1 - (double)(CountBelow(r.Histogram, r.Spec.Lo) + CountAbove(r.Histogram, r.Spec.Hi)) / r.Histogram.Total,
            };
        }
        return new ApproxFile(tables, info);
    }

    private static long CountBelow(Histogram h, double x) =>
        h.Below + Enumerable.Range(0, h.Bins).Where(i => h.Center(i) < x).Sum(i => h.Counts[i]);

    private static long CountAbove(Histogram h, double x) =>
        h.Above + Enumerable.Range(0, h.Bins).Where(i => h.Center(i) > x).Sum(i => h.Counts[i]);
}
