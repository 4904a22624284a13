using System.Diagnostics;
using System.Globalization;
using EMamba.Core;
using EMamba.Core.Approx;
using EMamba.Training.Modules;
using EMamba.Training.Modules.Baselines;
using TorchSharp;
using static TorchSharp.torch;
using EMamba.Data;
using EMamba.Reports;
using EMamba.Training.Checkpoints;
using EMamba.Training.Eval;
using EMamba.Training.Scan;
using EMamba.Training.Train;

namespace EMamba.Training.Stages;

/// <summary>Evaluates a float checkpoint on one split: size, metrics, and a description of what was evaluated.</summary>
public static class EvalStage
{
    /// <param name="Metric">the task's primary metric (<paramref name="MetricName"/>: accuracy in %, or mae_cm)</param>
    /// <param name="Figures">every figure of the split: the metric, loss, samples, and per-axis errors for MARS</param>
    /// <param name="Rows">what was evaluated and every figure, as (item, value) lines for a table</param>
    public sealed record Outcome(string MetricName, double Metric, Dictionary<string, double> Figures, double Loss, int Samples, long Parameters, double Seconds,
        IReadOnlyList<(string Item, string Value)> Rows);

    /// <param name="approx">tables to swap in for SiLU and/or exp (all the file holds, or <paramref name="only"/>).</param>
    /// <param name="lengths">language models: also the perplexity of test sequences of these lengths, each from a fresh state</param>
    public static Outcome Run(string modelPath, string? data, string split, int? limit, int batchSize,
        string? approx = null, IReadOnlyCollection<PwlFunction>? only = null, IReadOnlyList<int>? lengths = null)
    {
        var ck = Checkpoint.Load(modelPath);
        var model = ModelLoader.Load(ck, approx is null ? null : ApproxFile.Load(approx), only);
        if (ck.Config.Model.Head == Head.Lm) return RunLm(ck, model, modelPath, data, split, limit, approx, lengths);
        var ds = TaskData.Split(ck.Config, data, split);
        ds = SplitChecks.NonEmpty(TaskData.First(ds, limit), split);
        var objective = TaskObjective.For(ck.Config.Model);
        var sw = Stopwatch.StartNew();
        var r = Evaluator.Run(model, ds, ck.Normalizer, objective, batchSize);
        double sec = sw.Elapsed.TotalSeconds;
        long p = ModelLoader.ParameterCount(model);
        var figures = r.All();
        var rows = new List<(string Item, string Value)>();
        rows.Add(("model", modelPath));
        rows.Add(("task / split", $"{ck.Config.Model.Task.Name()} / {split} ({r.Samples:N0} samples)"));
        rows.Add(("data", TaskData.Protocol(ck.Config, data)));
        // The config after the swap, so the row says which functions are PWL.
        var m = model is MambaModel mm ? mm.Config : ck.Config.Model;
        rows.Add(("architecture", m.Arch == Arch.Mamba
            ? $"mamba: norm {m.Norm.Name()}, delta {m.DeltaAct.Name()}, silu {m.Silu.Name()}, exp {m.Exp.Name()}" + (approx is null ? "" : $" (tables from {approx})")
            : m.Arch.Name()));
        rows.Add(("parameters", $"{p:N0}"));
        rows.Add(("size (FP32)", $"{p * 4 / 1000.0:F1} KB"));
        foreach (var (k, v) in figures.Where(kv => kv.Key != "samples"))
            rows.Add((k, Figures.Format(k, v)));
        rows.Add(("time", $"{sec:F1} s ({r.Samples / sec:F0} samples/s)"));
        return new Outcome(objective.MetricName, r.Metric, figures, r.MeanLoss, r.Samples, p, sec, rows);
    }

    private static Outcome RunLm(Checkpoint ck, nn.Module<Tensor, Tensor> model, string modelPath, string? data, string split, int? limit,
        string? approx, IReadOnlyList<int>? lengths)
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
            $"{data ?? WikiText.DefaultDir}: the {split} split");
        var (nll, count) = score;
        var figures = new Dictionary<string, double>
        {
            ["perplexity"] = score.Perplexity, ["loss"] = nll / count, ["samples"] = count,
            ["ppl_known"] = score.KnownPerplexity, ["unk_percent"] = score.UnkPercent,
        };
        int max = model is TransformerLM t ? t.MaxContext + 1 : int.MaxValue;
        var head = stream[..Math.Min(stream.Length, LengthEval.Tokens)];
        foreach (int L in lengths ?? [])
            if (L <= max && L <= head.Length) figures[$"ppl_{L}"] = LmEval.PerplexityAt(model, head, L, chunk: seqLen);
        double sec = sw.Elapsed.TotalSeconds;
        long p = ModelLoader.ParameterCount(model);
        var rows = new List<(string Item, string Value)>();
        rows.Add(("model", modelPath));
        rows.Add(("task / split", $"{ck.Config.Model.Task.Name()} / {split} ({count:N0} predicted tokens)"));
        rows.Add(("data", corpus.Protocol));
        var m = model is MambaLM lm ? lm.Config : ck.Config.Model;
        rows.Add(("architecture", RunReport.Describe(m) + (approx is null ? "" : $" (tables from {approx})")));
        rows.Add(("parameters", $"{p:N0} ({p - m.EmbeddingParameters:N0} without the embedding table)"));
        foreach (var (k, v) in figures.Where(kv => kv.Key != "samples"))
            rows.Add((k switch
            {
                "ppl_known" => "perplexity, <unk> targets left out",
                "unk_percent" => "<unk> share of targets (%)",
                _ when k.StartsWith("ppl_") => $"perplexity, sequences of {k[4..]}",
                _ => k,
            }, v.ToString("F2", CultureInfo.InvariantCulture)));
        rows.Add(("time", $"{sec:F1} s"));
        return new Outcome("perplexity", figures["perplexity"], figures, nll / count, (int)count, p, sec, rows);
    }
}
