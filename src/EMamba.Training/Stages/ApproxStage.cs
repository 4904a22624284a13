using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using EMamba.Core;
using EMamba.Core.Approx;
using EMamba.Training.Modules;
using EMamba.Reports;
using EMamba.Data;
using EMamba.Training.Checkpoints;
using EMamba.Training.Pwl;
using EMamba.Training.Scan;

namespace EMamba.Training.Stages;

/// <summary>`approx fit`: histograms of a trained model's SiLU and exp inputs on training samples,
/// uniform vs fitted knots for each, approx.json plus plots and a Markdown error table beside it.</summary>
public static class ApproxStage
{
    /// <param name="Command">the command line quoted in the report</param>
    public sealed record Request(string ModelPath, string OutPath, string? Data, int Samples, IReadOnlyList<PwlFitSpec> Specs,
        string Command, IStageObserver? Observer = null);

    public static IReadOnlyList<PwlFitResult> Run(Request q)
    {
        var obs = q.Observer ?? SilentStageObserver.Instance;
        if (!q.OutPath.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            throw new EMambaException($"--out '{q.OutPath}' must name a .json file", ExitCodes.Usage);
        var ck = Checkpoint.Load(q.ModelPath);
        IReadOnlyDictionary<PwlFunction, Histogram> hists;
        int n;
        string protocol;
        // The training part only (the same hold-out as training), so validation stays unseen.
        switch (ModelLoader.Load(ck))
        {
            case MambaModel model:
                var (train, _) = TaskData.TrainVal(ck.Config, q.Data, null);
                n = Math.Min(q.Samples, train.Count);
                obs.Info($"collecting SiLU and exp inputs of {q.ModelPath} on {n:N0} training samples");
                hists = ApproxFitter.Collect(model, train, ck.Normalizer, n);
                protocol = TaskData.Protocol(ck.Config, q.Data);
                break;
            case MambaLM lm:
                // A language model's "sample" is a token: 64 per requested sample keeps the default (500) near 32 K tokens.
                var corpus = TaskData.Corpus(ck.Config, q.Data);
                n = Math.Min(q.Samples * 64, corpus.Train.Length);
                obs.Info($"collecting SiLU and exp inputs of {q.ModelPath} on {n:N0} training tokens");
                hists = ApproxFitter.Collect(lm, corpus.Train, n);
                protocol = corpus.Protocol;
                break;
            default:
                throw new EMambaException($"{q.ModelPath}: a '{ck.Config.Model.Arch.Name()}' model has no SiLU/exp to approximate (only Mamba models do)", ExitCodes.BadInput);
        }
        var results = q.Specs.Select(s => ApproxFitter.Fit(s, hists[s.Function])).ToList();

        string dir = Path.GetDirectoryName(Path.GetFullPath(q.OutPath))!, stem = Path.GetFileNameWithoutExtension(q.OutPath);
        Directory.CreateDirectory(dir);
        foreach (var r in results)
        {
            ApproxPlot.SaveFunction(Path.Combine(dir, $"{stem}-{r.Spec.Function.Name()}.png"), r);
            ApproxPlot.SaveHistogram(Path.Combine(dir, $"{stem}-{r.Spec.Function.Name()}-hist.png"), r);
        }
        AtomicFile.WriteAllText(Path.Combine(dir, stem + ".md"), Markdown(results, q, n, stem, protocol));
        ApproxFitter.ToFile(results, q.ModelPath, n).Save(q.OutPath);
        obs.Info($"wrote {q.OutPath}, {stem}.md and plots in {dir}");
        return results;
    }

    public static string ErrorMarkdown(IEnumerable<PwlFitResult> results) =>
        ErrorMarkdown(results.Select(r => (r.Spec.Function.Name(), r.Spec.Segments, r.Spec.Lo, r.Spec.Hi, r.UniformError, r.FittedError)));

    /// <summary>The same table from the errors an approx.json records in its info block.</summary>
    public static string ErrorMarkdown(ApproxFile file)
    {
        var rows = new List<(string, int, double, double, PwlError, PwlError)>();
        if (file.Info?["errors"] is JsonObject errors)
            foreach (var (fn, node) in errors)
            {
                if (node is not JsonObject e) continue;
                static PwlError E(JsonNode? n) => new(n?["max_abs"]?.GetValue<double>() ?? double.NaN,
                    n?["mean_abs"]?.GetValue<double>() ?? double.NaN, n?["rms"]?.GetValue<double>() ?? double.NaN);
                var range = e["range"] as JsonArray;
                rows.Add((fn, e["segments"]?.GetValue<int>() ?? 0, range?[0]?.GetValue<double>() ?? double.NaN,
                    range?[1]?.GetValue<double>() ?? double.NaN, E(e["uniform"]), E(e["fitted"])));
            }
        return ErrorMarkdown(rows);
    }

    private static string ErrorMarkdown(IEnumerable<(string Fn, int Segments, double Lo, double Hi, PwlError Uniform, PwlError Fitted)> rows)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| function | segments | range | knots | max abs error on range | mean abs error (histogram) | RMS error (histogram) |");
        sb.AppendLine("|---|---:|---|---|---:|---:|---:|");
        foreach (var r in rows)
            foreach (var (label, e) in new[] { ("uniform", r.Uniform), ("fitted", r.Fitted) })
                sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {r.Fn} | {r.Segments} | [{r.Lo}, {r.Hi}] | {label} | {e.Max:G3} | {e.MeanAbs:G3} | {e.Rms:G3} |"));
        return sb.ToString();
    }

    private static string Markdown(IReadOnlyList<PwlFitResult> results, Request q, int samples, string stem, string protocol)
    {
        var sb = new StringBuilder();
        sb.AppendLine("# Piecewise-linear SiLU and exp fitted to a model's activations");
        sb.AppendLine();
        sb.Append(MachineInfo.ProvenanceLines(q.Command));
        sb.AppendLine($"- model: `{q.ModelPath}`; inputs collected on {samples:N0} training samples (validation hold-out excluded)");
        sb.AppendLine($"- data: {protocol}");
        sb.AppendLine("- uniform: evenly spaced knots with the exact function's values (the paper's starting point); fitted: knots placed and " +
                      "values chosen to minimise the squared error weighted by the histogram (2 % of the weight spread evenly over the range)");
        sb.AppendLine("- tails: SiLU 0 below the range and x above; exp 0 below and the last value above");
        sb.AppendLine();
        sb.Append(ErrorMarkdown(results));
        sb.AppendLine();
        foreach (var r in results)
        {
            string n = r.Spec.Function.Name();
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"{n}: {100.0 * r.Histogram.Below / r.Histogram.Total:F2} % of inputs below {r.Histogram.Lo}; median {r.Histogram.Quantile(0.5):G3}, 1st-99th percentile [{r.Histogram.Quantile(0.01):G3}, {r.Histogram.Quantile(0.99):G3}]"));
            sb.AppendLine();
            sb.AppendLine($"![{n}]({stem}-{n}.png)");
            sb.AppendLine($"![{n} inputs]({stem}-{n}-hist.png)");
            sb.AppendLine();
        }
        return sb.ToString();
    }
}
