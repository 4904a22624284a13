using System.Diagnostics;
using System.Globalization;
using EMamba.Core;
using EMamba.Core.Approx;
using EMamba.Training;
using EMamba.Training.Data;
using EMamba.Training.Modules;
using Spectre.Console;

namespace EMamba.Cli;

/// <summary>Evaluates a float checkpoint on one split and prints size and metrics.</summary>
public static class EvalFlow
{
    /// <param name="Metric">the task's primary metric (<paramref name="MetricName"/>: accuracy in %, or mae_cm)</param>
    /// <param name="Figures">every figure of the split: the metric, loss, samples, and per-axis errors for MARS</param>
    public sealed record Outcome(string MetricName, double Metric, Dictionary<string, double> Figures, double Loss, int Samples, long Parameters, double Seconds);

    /// <param name="approx">tables to swap in for SiLU and/or exp (all the file holds, or <paramref name="only"/>).</param>
    public static Outcome Run(string modelPath, string? data, string split, int? limit, int batchSize,
        string? approx = null, IReadOnlyCollection<PwlFunction>? only = null, bool quiet = false)
    {
        var ck = Checkpoint.Load(modelPath);
        var model = ModelLoader.Load(ck, approx is null ? null : ApproxFile.Load(approx), only);
        var ds = TaskData.Split(ck.Config, data, split);
        if (limit is int n && n < ds.Count) ds = ds.Pick(Enumerable.Range(0, n).ToArray());
        var objective = TaskObjective.For(ck.Config.Model);
        var sw = Stopwatch.StartNew();
        var r = Evaluator.Run(model, ds, ck.Normalizer, objective, batchSize);
        double sec = sw.Elapsed.TotalSeconds;
        long p = ModelLoader.ParameterCount(model);
        var figures = r.All();
        if (!quiet)
        {
            var table = new Table().AddColumn("item").AddColumn(new TableColumn("value").RightAligned());
            table.AddRow("model", Markup.Escape(modelPath));
            table.AddRow("task / split", $"{ck.Config.Model.Task} / {split} ({r.Samples:N0} samples)");
            // The config after the swap, so the row says which functions are PWL.
            var m = model is MambaModel mm ? mm.Config : ck.Config.Model;
            table.AddRow("architecture", m.Arch == "mamba"
                ? $"mamba: norm {m.Norm}, delta {m.DeltaAct}, silu {m.Silu}, exp {m.Exp}" + (approx is null ? "" : Markup.Escape($" (tables from {approx})"))
                : m.Arch);
            table.AddRow("parameters", $"{p:N0}");
            table.AddRow("size (FP32)", $"{p * 4 / 1000.0:F1} KB");
            foreach (var (k, v) in figures.Where(kv => kv.Key != "samples"))
                table.AddRow(k, FormatFigure(k, v));
            table.AddRow("time", $"{sec:F1} s ({r.Samples / sec:F0} samples/s)");
            AnsiConsole.Write(table);
        }
        return new Outcome(objective.MetricName, r.Metric, figures, r.MeanLoss, r.Samples, p, sec);
    }

    /// <summary>A figure with its unit: accuracy in %, errors in cm, losses plain.</summary>
    public static string FormatFigure(string name, double v) => name switch
    {
        "accuracy" => v.ToString("F2", CultureInfo.InvariantCulture) + " %",
        _ when name.EndsWith("_cm") => v.ToString("F2", CultureInfo.InvariantCulture) + " cm",
        _ => v.ToString("F4", CultureInfo.InvariantCulture),
    };
}
