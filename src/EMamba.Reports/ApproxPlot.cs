using EMamba.Core;
using EMamba.Core.Approx;

namespace EMamba.Reports;

/// <summary>PNGs of a fit: per function the exact curve, the uniform and fitted tables (knots
/// marked) with their absolute errors on the right axis; and the activation histograms.</summary>
public static class ApproxPlot
{
    public static void SaveFunction(string path, PwlFitResult r)
    {
        var plt = new ScottPlot.Plot();
        var s = r.Spec;
        // exp's inputs (Delta * A) are never positive: past the range only its saturation would show.
        double pad = (s.Hi - s.Lo) * 0.15, lo = s.Lo - pad, hi = s.Function == PwlFunction.Exp ? s.Hi : s.Hi + pad;
        const int n = 1200;
        double[] xs = Enumerable.Range(0, n + 1).Select(i => lo + (hi - lo) * i / n).ToArray();
        var exact = plt.Add.Scatter(xs, xs.Select(x => s.Function.Exact(x)).ToArray());
        exact.LegendText = $"exact {s.Function.Name()}"; exact.MarkerSize = 0; exact.LineWidth = 2;
        foreach (var (t, label, pattern) in new[] { (r.Uniform, "uniform", ScottPlot.LinePattern.Dotted), (r.Fitted, "fitted", ScottPlot.LinePattern.Dashed) })
        {
            var line = plt.Add.Scatter(xs, xs.Select(t.Eval).ToArray());
            line.LegendText = $"PWL {label} ({t.Segments} seg.)"; line.MarkerSize = 0; line.LinePattern = pattern;
            var knots = plt.Add.Scatter(t.Knots, t.Values);
            knots.LineWidth = 0; knots.MarkerSize = 6; knots.Color = line.Color;
            var err = plt.Add.Scatter(xs, xs.Select(x => Math.Abs(t.Eval(x) - s.Function.Exact(x))).ToArray());
            err.LegendText = $"|error| {label}"; err.MarkerSize = 0; err.Axes.YAxis = plt.Axes.Right; err.LineWidth = 1;
        }
        plt.Axes.Bottom.Label.Text = "x";
        plt.Axes.Left.Label.Text = "f(x)";
        plt.Axes.Right.Label.Text = "absolute error";
        plt.Title($"{s.Function.Name()}: max error uniform {r.UniformError.Max:G3}, fitted {r.FittedError.Max:G3}; " +
                  $"histogram RMS uniform {r.UniformError.Rms:G3}, fitted {r.FittedError.Rms:G3}");
        plt.ShowLegend(ScottPlot.Alignment.UpperLeft);
        AtomicFile.WriteAllBytes(path, plt.GetImageBytes(1000, 560, ScottPlot.ImageFormat.Png));
    }

    public static void SaveHistogram(string path, PwlFitResult r)
    {
        var plt = new ScottPlot.Plot();
        var h = r.Histogram;
        // Coarsen to ~200 bars over the populated part, as a share of all inputs.
        double lo = Math.Min(h.Quantile(0.0005), r.Spec.Lo), hi = Math.Max(h.Quantile(0.9995), r.Spec.Hi);
        int first = Math.Clamp((int)((lo - h.Lo) / h.Width), 0, h.Bins - 1), last = Math.Clamp((int)((hi - h.Lo) / h.Width), first, h.Bins - 1);
        int group = Math.Max(1, (last - first + 1) / 200);
        var xs = new List<double>(); var ys = new List<double>();
        for (int i = first; i <= last; i += group)
        {
            long c = 0;
            for (int j = i; j < Math.Min(i + group, h.Bins); j++) c += h.Counts[j];
            xs.Add(h.Lo + (i + group / 2.0) * h.Width); ys.Add(100.0 * c / h.Total);
        }
        var bars = plt.Add.Bars(xs.ToArray(), ys.ToArray());
        foreach (var b in bars.Bars) { b.Size = group * h.Width; b.LineWidth = 0; }
        foreach (var k in r.Fitted.Knots) plt.Add.VerticalLine(k, 1, ScottPlot.Colors.Red.WithAlpha(0.5));
        plt.Axes.Bottom.Label.Text = $"input of {r.Spec.Function.Name()} (red: fitted knots)";
        plt.Axes.Left.Label.Text = "% of inputs";
        plt.Title($"{r.Spec.Function.Name()} inputs: {h.Total:N0} values, {100.0 * h.Below / h.Total:F2} % below {h.Lo}, {100.0 * h.Above / h.Total:F2} % above {h.Hi}");
        AtomicFile.WriteAllBytes(path, plt.GetImageBytes(1000, 420, ScottPlot.ImageFormat.Png));
    }
}
