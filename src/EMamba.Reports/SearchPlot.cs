using EMamba.Core;

namespace EMamba.Reports;

/// <summary>The plots of a search report: one objective against another with the Pareto front marked, and
/// hypervolume over trials per study.</summary>
public static class SearchPlot
{
    /// <param name="marks">labelled reference points (the hand-chosen models), drawn as diamonds</param>
    public static void Scatter(string path, string title, string xLabel, string yLabel, IReadOnlyList<(double X, double Y, bool Front)> points,
        IReadOnlyList<(string Label, double X, double Y)>? marks = null)
    {
        var plt = new ScottPlot.Plot();
        foreach (var g in points.GroupBy(p => p.Front).OrderBy(g => g.Key))
        {
            var sc = plt.Add.Scatter(g.Select(p => p.X).ToArray(), g.Select(p => p.Y).ToArray());
            sc.LineWidth = 0; sc.MarkerSize = g.Key ? 10 : 7;
            sc.MarkerShape = g.Key ? ScottPlot.MarkerShape.FilledCircle : ScottPlot.MarkerShape.OpenCircle;
            sc.LegendText = g.Key ? "Pareto front" : "other trials";
        }
        foreach (var (label, x, y) in marks ?? [])
            plt.Add.Marker(x, y, ScottPlot.MarkerShape.FilledDiamond, 12, ScottPlot.Colors.Red).LegendText = label;
        plt.Axes.Bottom.Label.Text = xLabel;
        plt.Axes.Left.Label.Text = yLabel;
        plt.Title(title);
        plt.ShowLegend();
        AtomicFile.WriteAllBytes(path, plt.GetImageBytes(900, 550, ScottPlot.ImageFormat.Png));
    }

    public static void Lines(string path, string title, string yLabel, IReadOnlyList<(string Label, double[] Ys)> lines)
    {
        var plt = new ScottPlot.Plot();
        foreach (var (label, ys) in lines)
        {
            var sc = plt.Add.Scatter(Enumerable.Range(1, ys.Length).Select(i => (double)i).ToArray(), ys);
            sc.LegendText = label; sc.MarkerSize = 4;
        }
        plt.Axes.Bottom.Label.Text = "trials finished";
        plt.Axes.Left.Label.Text = yLabel;
        plt.Title(title);
        plt.ShowLegend();
        AtomicFile.WriteAllBytes(path, plt.GetImageBytes(900, 550, ScottPlot.ImageFormat.Png));
    }
}
