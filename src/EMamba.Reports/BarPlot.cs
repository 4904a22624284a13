using EMamba.Core;

namespace EMamba.Reports;

/// <summary>Bar charts for the hardware report: one series (energy per unit) and grouped series (designs normalised to one of them).</summary>
public static class BarPlot
{
    /// <summary>One bar per label, the value printed above it.</summary>
    public static void Bars(string path, string title, string yLabel, IReadOnlyList<(string Label, double Value)> bars)
    {
        var plt = new ScottPlot.Plot();
        var list = bars.Select((b, i) => new ScottPlot.Bar
        {
            Position = i, Value = b.Value, Label = b.Value.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture),
            FillColor = ScottPlot.Colors.SteelBlue, LineWidth = 0,
        }).ToList();
        plt.Add.Bars(list);
        Finish(plt, path, title, yLabel, bars.Select(b => b.Label).ToList(), bars.Count);
    }

    /// <summary>Groups along the axis (<paramref name="groups"/>), one bar per series in each, a legend for the series;
    /// a dashed line at 1 when the values are ratios.</summary>
    public static void Grouped(string path, string title, string yLabel, IReadOnlyList<string> groups,
        IReadOnlyList<(string Label, double[] Values)> series, bool unitLine)
    {
        var plt = new ScottPlot.Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int n = series.Count;
        double width = 0.8 / n;
        for (int s = 0; s < n; s++)
        {
            var color = palette.GetColor(s);
            var bars = series[s].Values.Select((v, g) => new ScottPlot.Bar
            {
                Position = g - 0.4 + width * (s + 0.5), Value = v, Size = width * 0.95, FillColor = color, LineWidth = 0,
            }).ToList();
            plt.Add.Bars(bars);
            plt.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = series[s].Label, FillColor = color });
        }
        if (unitLine) { var l = plt.Add.HorizontalLine(1, 1, ScottPlot.Colors.Black.WithAlpha(0.6)); l.LinePattern = ScottPlot.LinePattern.Dashed; }
        plt.ShowLegend(ScottPlot.Alignment.UpperLeft);
        Finish(plt, path, title, yLabel, groups, groups.Count);
    }

    private static void Finish(ScottPlot.Plot plt, string path, string title, string yLabel, IReadOnlyList<string> labels, int count)
    {
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (int i = 0; i < count; i++) ticks.AddMajor(i, labels[i]);
        plt.Axes.Bottom.TickGenerator = ticks;
        plt.Axes.Bottom.MajorTickStyle.Length = 0;
        plt.Axes.Margins(bottom: 0);
        plt.Axes.Left.Label.Text = yLabel;
        plt.Title(title);
        AtomicFile.WriteAllBytes(path, plt.GetImageBytes(900, 500, ScottPlot.ImageFormat.Png));
    }
}
