using System.Diagnostics;
using EMamba.Core;
using EMamba.Core.Approx;
using EMamba.Training;
using EMamba.Training.Data;
using EMamba.Training.Modules;
using Spectre.Console;

namespace EMamba.Cli;

/// <summary>Evaluates a float checkpoint on one split and prints size and metric.</summary>
public static class EvalFlow
{
    public sealed record Outcome(double Accuracy, double Loss, int Samples, long Parameters, double Seconds);

    /// <param name="approx">tables to swap in for SiLU and/or exp (all the file holds, or <paramref name="only"/>).</param>
    public static Outcome Run(string modelPath, string? data, string split, int? limit, int batchSize,
        string? approx = null, IReadOnlyCollection<PwlFunction>? only = null, bool quiet = false)
    {
        var ck = Checkpoint.Load(modelPath);
        var model = ModelLoader.Load(ck, approx is null ? null : ApproxFile.Load(approx), only);
        if (split is not ("test" or "val" or "train"))
            throw new EMambaException($"--split '{split}' must be test, val or train", ExitCodes.Usage);
        var ds = TaskData.Load(ck.Config.Model, data, split == "test" ? "test" : "train");
        if (split != "test")
        {
            // The same seeded hold-out the trainer made from the training split.
            var (train, val) = TaskData.TrainVal(ds, ck.Config.Train.ValFraction, ck.Config.Train.Seed, null);
            ds = split == "val" ? val : train;
        }
        if (limit is int n && n < ds.Count) ds = ds.Take(n);
        var sw = Stopwatch.StartNew();
        var r = Evaluator.Classify(model, ds, ck.Normalizer, batchSize);
        double sec = sw.Elapsed.TotalSeconds;
        long p = model.ParameterCount();
        var table = new Table().AddColumn("item").AddColumn(new TableColumn("value").RightAligned());
        table.AddRow("model", Markup.Escape(modelPath));
        table.AddRow("task / split", $"{ck.Config.Model.Task} / {split} ({r.Samples:N0} samples)");
        var m = model.Config;
        table.AddRow("operators", $"norm {m.Norm}, delta {m.DeltaAct}, silu {m.Silu}, exp {m.Exp}" + (approx is null ? "" : Markup.Escape($" (tables from {approx})")));
        table.AddRow("parameters", $"{p:N0}");
        table.AddRow("size (FP32)", $"{p * 4 / 1000.0:F1} KB");
        table.AddRow("accuracy", $"{r.Accuracy:F2} %");
        table.AddRow("loss", $"{r.Loss:F4}");
        table.AddRow("time", $"{sec:F1} s ({r.Samples / sec:F0} samples/s)");
        if (!quiet) AnsiConsole.Write(table);
        return new Outcome(r.Accuracy, r.Loss, r.Samples, p, sec);
    }
}
