using EMamba.Core;

namespace EMamba.Reports;

/// <summary>Training curve PNG: train/val loss on the left axis, the task metric on the right.</summary>
public static class CurvePlot
{
    public static void Save(string path, TrainLog log)
    {
        var plt = new ScottPlot.Plot();
        double[] ep = log.Epochs.Select(e => (double)e.Epoch).ToArray();
        var tl = plt.Add.Scatter(ep, log.Epochs.Select(e => e.TrainLoss).ToArray());
        tl.LegendText = "train loss";
        var vl = plt.Add.Scatter(ep, log.Epochs.Select(e => e.ValLoss).ToArray());
        vl.LegendText = "val loss";
        var tm = plt.Add.Scatter(ep, log.Epochs.Select(e => e.TrainMetric).ToArray());
        tm.LegendText = $"train {log.MetricName}";
        tm.Axes.YAxis = plt.Axes.Right;
        tm.LinePattern = ScottPlot.LinePattern.Dashed;
        var vm = plt.Add.Scatter(ep, log.Epochs.Select(e => e.ValMetric).ToArray());
        vm.LegendText = $"val {log.MetricName}";
        vm.Axes.YAxis = plt.Axes.Right;
        vm.LinePattern = ScottPlot.LinePattern.Dashed;
        plt.Axes.Bottom.Label.Text = "epoch";
        plt.Axes.Left.Label.Text = "loss";
        plt.Axes.Right.Label.Text = log.MetricName + (log.MetricName == "accuracy" ? " (%)" : "");
        plt.Title($"{log.Config.Model.Task.Name()}: {log.Parameters:N0} parameters");
        plt.ShowLegend(ScottPlot.Alignment.MiddleRight);
        AtomicFile.WriteAllBytes(path, plt.GetImageBytes(900, 500, ScottPlot.ImageFormat.Png));
    }
}
