using System.Diagnostics;
using System.Globalization;
using EMamba.Core;
using EMamba.Core.Approx;
using EMamba.Training;
using EMamba.Training.Data;
using EMamba.Training.Modules;
using EMamba.Training.Modules.Baselines;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

namespace EMamba.Cli;

/// <summary>Evaluates a float checkpoint on one split and prints size and metrics.</summary>
public static class EvalFlow
{
    /// <param name="Metric">the task's primary metric (<paramref name="MetricName"/>: accuracy in %, or mae_cm)</param>
    /// <param name="Figures">every figure of the split: the metric, loss, samples, and per-axis errors for MARS</param>
    public sealed record Outcome(string MetricName, double Metric, Dictionary<string, double> Figures, double Loss, int Samples, long Parameters, double Seconds);

    /// <summary>Sequence lengths of the perplexity-vs-length evaluation.</summary>
    public static readonly int[] DefaultLengths = [64, 128, 256, 512, 1024, 2048, 4096];

    /// <summary>The perplexity-vs-length evaluation reads the first this-many tokens of the split at
    /// every length (16 sequences of 4096), so each length scores the same text.</summary>
    public const int LengthTokens = 16 * 4096;

    /// <param name="approx">tables to swap in for SiLU and/or exp (all the file holds, or <paramref name="only"/>).</param>
    /// <param name="lengths">language models: also the perplexity of test sequences of these lengths, each from a fresh state</param>
    public static Outcome Run(string modelPath, string? data, string split, int? limit, int batchSize,
        string? approx = null, IReadOnlyCollection<PwlFunction>? only = null, bool quiet = false, IReadOnlyList<int>? lengths = null)
    {
        var ck = Checkpoint.Load(modelPath);
        var model = ModelLoader.Load(ck, approx is null ? null : ApproxFile.Load(approx), only);
        if (ck.Config.Model.Head == "lm") return RunLm(ck, model, modelPath, data, split, limit, approx, quiet, lengths);
        var ds = TaskData.Split(ck.Config, data, split);
        ds = EMamba.Data.SplitChecks.NonEmpty(TaskData.First(ds, limit), split);
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
            table.AddRow("data", Markup.Escape(TaskData.Protocol(ck.Config, data)));
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

    private static Outcome RunLm(Checkpoint ck, nn.Module<Tensor, Tensor> model, string modelPath, string? data, string split, int? limit,
        string? approx, bool quiet, IReadOnlyList<int>? lengths)
    {
        var corpus = TaskData.Corpus(ck.Config, data);
        if (corpus.Vocab.ToText() != ck.Vocabulary.ToText())
            throw new EMambaException($"{modelPath}: its vocabulary ({ck.Vocabulary.Count:N0} words) is not the one built from the data ({corpus.Vocab.Count:N0}); " +
                "evaluate on the corpus it was trained on", ExitCodes.BadInput);
        var stream = split switch
        {
            "test" => corpus.Test, "val" => corpus.Val, "train" => corpus.Train,
            _ => throw new EMambaException($"split '{split}' must be test, val or train", ExitCodes.Usage),
        };
        if (limit is int n && n < stream.Length) stream = stream[..n];
        int seqLen = ck.Config.Train.SeqLen;
        var sw = Stopwatch.StartNew();
        var score = LmEval.ScoreSplit(model, stream, seqLen, LmTrainer.ValStreams, corpus.Vocab[EMamba.Data.Vocabulary.Unk],
            $"{data ?? EMamba.Data.WikiText.DefaultDir}: the {split} split");
        var (nll, count) = score;
        var figures = new Dictionary<string, double>
        {
            ["perplexity"] = score.Perplexity, ["loss"] = nll / count, ["samples"] = count,
            ["ppl_known"] = score.KnownPerplexity, ["unk_percent"] = score.UnkPercent,
        };
        int max = model is TransformerLM t ? t.MaxContext + 1 : int.MaxValue;
        var head = stream[..Math.Min(stream.Length, LengthTokens)];
        foreach (int L in lengths ?? [])
            if (L <= max && L <= head.Length) figures[$"ppl_{L}"] = LmEval.PerplexityAt(model, head, L, chunk: seqLen);
        double sec = sw.Elapsed.TotalSeconds;
        long p = ModelLoader.ParameterCount(model);
        if (!quiet)
        {
            var table = new Table().AddColumn("item").AddColumn(new TableColumn("value").RightAligned());
            table.AddRow("model", Markup.Escape(modelPath));
            table.AddRow("task / split", $"{ck.Config.Model.Task} / {split} ({count:N0} predicted tokens)");
            table.AddRow("data", Markup.Escape(corpus.Protocol));
            var m = model is MambaLM lm ? lm.Config : ck.Config.Model;
            table.AddRow("architecture", Markup.Escape(RunReport.Describe(m) + (approx is null ? "" : $" (tables from {approx})")));
            table.AddRow("parameters", $"{p:N0} ({p - m.EmbeddingParameters:N0} without the embedding table)");
            foreach (var (k, v) in figures.Where(kv => kv.Key != "samples"))
                table.AddRow(k switch
                {
                    "ppl_known" => "perplexity, <unk> targets left out",
                    "unk_percent" => "<unk> share of targets (%)",
                    _ when k.StartsWith("ppl_") => $"perplexity, sequences of {k[4..]}",
                    _ => k,
                }, v.ToString("F2", CultureInfo.InvariantCulture));
            table.AddRow("time", $"{sec:F1} s");
            AnsiConsole.Write(table);
        }
        return new Outcome("perplexity", figures["perplexity"], figures, nll / count, (int)count, p, sec);
    }

    /// <summary>A figure with its unit: accuracy in %, errors in cm, losses plain.</summary>
    public static string FormatFigure(string name, double v) => name switch
    {
        "accuracy" => v.ToString("F2", CultureInfo.InvariantCulture) + " %",
        "perplexity" or "samples" => v.ToString(name == "samples" ? "N0" : "F2", CultureInfo.InvariantCulture),
        _ when name.EndsWith("_cm") => v.ToString("F2", CultureInfo.InvariantCulture) + " cm",
        _ => v.ToString("F4", CultureInfo.InvariantCulture),
    };
}
