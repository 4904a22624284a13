using EMamba.Core;

namespace EMamba.Reports;

/// <summary>The plots of <c>emamba hw sweep</c>: one cost against area (log x axis, since a sweep spans
/// decades of latency), the Pareto front joined, and reference designs as labelled lines or points.</summary>
public static class HwSweepPlot
{
    private const int Width = 1000, Height = 600;

    /// <summary>A reference: a point when both X and Y are given, a vertical line when only X, a horizontal one when only Y.</summary>
    public sealed record Reference(string Label, double? X, double? Y);

    public static void Front(string path, string title, string xLabel, string yLabel,
        IReadOnlyList<(double X, double Y, bool Front)> points, IReadOnlyList<Reference> references)
    {
        var plt = new ScottPlot.Plot();
        var others = points.Where(p => !p.Front).ToArray();
        if (others.Length > 0)
        {
            var sc = plt.Add.Scatter(others.Select(p => Math.Log10(p.X)).ToArray(), others.Select(p => p.Y).ToArray());
            sc.LineWidth = 0; sc.MarkerSize = 6; sc.MarkerShape = ScottPlot.MarkerShape.OpenCircle; sc.LegendText = "other configs";
        }
        var front = points.Where(p => p.Front).OrderBy(p => p.X).ToArray();
        var fs = plt.Add.Scatter(front.Select(p => Math.Log10(p.X)).ToArray(), front.Select(p => p.Y).ToArray());
        fs.MarkerSize = 9; fs.MarkerShape = ScottPlot.MarkerShape.FilledCircle; fs.LegendText = "Pareto front"; fs.ConnectStyle = ScottPlot.ConnectStyle.StepVertical;
        var xs = points.Select(p => Math.Log10(p.X)).Concat(references.Where(r => r.X.HasValue).Select(r => Math.Log10(r.X!.Value))).ToList();
        var ys = points.Select(p => p.Y).Concat(references.Where(r => r.Y.HasValue).Select(r => r.Y!.Value)).ToList();
        var colors = new[] { ScottPlot.Colors.Red, ScottPlot.Colors.Purple, ScottPlot.Colors.Green, ScottPlot.Colors.Brown };
        int k = 0;
        foreach (var r in references)
        {
            var color = colors[k++ % colors.Length];
            if (r.X is { } x && r.Y is { } y)
            {
                var m = plt.Add.Marker(Math.Log10(x), y, ScottPlot.MarkerShape.FilledDiamond, 12, color);
                m.LegendText = r.Label;
            }
            else if (r.X is { } vx)
            {
                var v = plt.Add.VerticalLine(Math.Log10(vx), 1.5f, color, ScottPlot.LinePattern.Dashed);
                v.LegendText = r.Label;
            }
            else if (r.Y is { } hy)
            {
                var h = plt.Add.HorizontalLine(hy, 1.5f, color, ScottPlot.LinePattern.Dashed);
                h.LegendText = r.Label;
            }
        }
        double xlo = xs.Min() - 0.1, xhi = xs.Max() + 0.1, ylo = 0, yhi = ys.Max() * 1.25;   // room for the legend
        plt.Axes.SetLimits(xlo, xhi, ylo, yhi);
        plt.Axes.Bottom.TickGenerator = ReportPlot.LogTicks(xlo, xhi);
        plt.Axes.Bottom.Label.Text = xLabel + " (log scale)";
        plt.Axes.Left.Label.Text = yLabel;
        plt.Title(title);
        plt.ShowLegend(ScottPlot.Alignment.UpperRight);
        AtomicFile.WriteAllBytes(path, plt.GetImageBytes(Width, Height, ScottPlot.ImageFormat.Png));
    }
}
