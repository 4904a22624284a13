using System.Globalization;
using EMamba.Core;

namespace EMamba.Reports;

/// <summary>The plots of the cross-run report.</summary>
public static class ReportPlot
{
    private const int Width = 1000, Height = 600;

    /// <summary>Test metric vs parameter count (log axis), every model a labelled point; baselines and
    /// Mamba models in different markers.</summary>
    public static void MetricVsParameters(string path, string title, string metric, IReadOnlyList<(string Label, double Params, double Metric, bool Baseline)> points)
    {
        var plt = new ScottPlot.Plot();
        foreach (var group in points.GroupBy(p => p.Baseline))
        {
            var xs = group.Select(p => Math.Log10(p.Params)).ToArray();
            var sc = plt.Add.Scatter(xs, group.Select(p => p.Metric).ToArray());
            sc.LineWidth = 0; sc.MarkerSize = 9;
            sc.MarkerShape = group.Key ? ScottPlot.MarkerShape.OpenSquare : ScottPlot.MarkerShape.FilledCircle;
            sc.LegendText = group.Key ? "baselines (CNN, ViT, Transformer)" : "Mamba / eMamba";
        }
        // Room on the right for the labels of the largest models.
        double lo = points.Min(p => Math.Log10(p.Params)), hi = points.Max(p => Math.Log10(p.Params));
        double ylo = points.Min(p => p.Metric), yhi = points.Max(p => p.Metric), ypad = Math.Max(0.1, (yhi - ylo) * 0.08);
        double xlo = lo - 0.15, xhi = hi + 0.35 + (hi - lo) * 0.1;
        plt.Axes.SetLimits(xlo, xhi, ylo - ypad, yhi + ypad);
        plt.Axes.Bottom.Label.Text = "parameters (log scale)";
        plt.Axes.Bottom.TickGenerator = LogTicks(xlo, xhi);
        plt.Axes.Left.Label.Text = metric switch { "accuracy" => "test accuracy (%)", "mae_cm" => "test MAE (cm), lower is better",
            "perplexity" => "test perplexity, lower is better", _ => metric };
        plt.Title($"{title}: test {metric} vs parameters");
        plt.ShowLegend(ScottPlot.Alignment.LowerRight);
        AddLabels(plt, points);
        AtomicFile.WriteAllBytes(path, plt.GetImageBytes(Width, Height, ScottPlot.ImageFormat.Png));
    }

    /// <summary>Names each point to its right; a render fixes the axes' pixel layout first so that
    /// labels of close points (Mamba and its eMamba variants) can be stacked instead of overprinted.</summary>
    private static void AddLabels(ScottPlot.Plot plt, IReadOnlyList<(string Label, double Params, double Metric, bool Baseline)> points)
    {
        const int FontSize = 10, OffsetX = 6;
        plt.RenderInMemory(Width, Height);
        var at = points.Select(p => new ScottPlot.Coordinates(Math.Log10(p.Params), p.Metric)).ToList();
        var boxes = at.Select((c, i) => { var px = plt.GetPixel(c); return ((double)px.X + OffsetX, (double)px.Y, points[i].Label.Length * FontSize * 0.6); }).ToList();
        double[] dy = LabelLayout.Offsets(boxes, FontSize * 1.4);
        for (int i = 0; i < points.Count; i++)
        {
            var t = plt.Add.Text(points[i].Label, at[i].X, at[i].Y);
            t.LabelFontSize = FontSize; t.OffsetX = OffsetX; t.OffsetY = (float)dy[i];
        }
    }

    /// <summary>Ticks at 1, 2 and 5 times each power of ten between 10^lo and 10^hi, labelled in plain
    /// numbers (5 K, 20 K), because readers think in parameter counts, not their logarithms.</summary>
    internal static ScottPlot.TickGenerators.NumericManual LogTicks(double lo, double hi)
    {
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (int e = (int)Math.Floor(lo); e <= (int)Math.Ceiling(hi); e++)
            foreach (int m in new[] { 1, 2, 5 })
            {
                double v = m * Math.Pow(10, e), x = Math.Log10(v);
                if (x >= lo && x <= hi) ticks.AddMajor(x, Count(v));
            }
        return ticks;
    }

    private static string Count(double v) => v switch
    {
        >= 1e6 => (v / 1e6).ToString("0.# 'M'", CultureInfo.InvariantCulture),
        >= 1e3 => (v / 1e3).ToString("0.# 'K'", CultureInfo.InvariantCulture),
        _ => v.ToString("0", CultureInfo.InvariantCulture),
    };

    /// <summary>Perplexity vs sequence length (log2 axis), one line per model.</summary>
    public static void PerplexityVsLength(string path, IReadOnlyList<(string Label, List<(double Length, double Ppl)> Points)> lines)
    {
        var plt = new ScottPlot.Plot();
        foreach (var (label, pts) in lines.Where(l => l.Points.Count > 0))
        {
            var sc = plt.Add.Scatter(pts.Select(p => Math.Log2(p.Length)).ToArray(), pts.Select(p => p.Ppl).ToArray());
            sc.LegendText = label; sc.MarkerSize = 6;
        }
        plt.Axes.Bottom.Label.Text = "sequence length (tokens, log scale)";
        var lengths = new ScottPlot.TickGenerators.NumericManual();
        foreach (double L in lines.SelectMany(l => l.Points).Select(p => p.Length).Distinct()) lengths.AddMajor(Math.Log2(L), L.ToString("0", CultureInfo.InvariantCulture));
        plt.Axes.Bottom.TickGenerator = lengths;
        plt.Axes.Left.Label.Text = "test perplexity";
        plt.Title("WikiText-2: perplexity vs sequence length");
        plt.ShowLegend(ScottPlot.Edge.Bottom);   // below the axes: lines may run anywhere inside them
        AtomicFile.WriteAllBytes(path, plt.GetImageBytes(1000, 620, ScottPlot.ImageFormat.Png));
    }
}
