using System.Diagnostics;
using System.Text.Json.Nodes;
using EMamba.Core;
using EMamba.Core.Approx;
using EMamba.Core.Integer;
using EMamba.Data;
using EMamba.Data.Checkpoints;
using EMamba.Engine.Lm;
using EMamba.Engine.Quantize;

namespace EMamba.Engine.Stages;

/// <summary><c>emamba run</c> on a quantized language model (doc §20): streaming perplexity of the
/// integer engine over the split (one stream from a fresh state) and at each sequence length (the
/// float protocol: the first LengthEval.Tokens tokens cut into sequences, each from a fresh state),
/// beside the float model it was quantized from on the same tokens.</summary>
public static class LmRunStage
{
    public static readonly int[] DefaultLengths = [512, 4096];

    public static RunStage.Result Run(RunStage.Request q, IReadOnlyList<int>? lengths = null, CancellationToken ct = default) =>
        Run(q, QuantFile.Load(q.Model), lengths, ct);

    public static RunStage.Result Run(RunStage.Request q, QuantFile.Loaded file, IReadOnlyList<int>? lengths, CancellationToken ct)
    {
        var m = file.Model;
        var obs = q.Observer ?? SilentStageObserver.Instance;
        var cfg = m.Config;
        if (cfg.Head != Head.Lm) throw new EMambaException($"{q.Model}: --lengths applies to language models; this is a {cfg.Task.Name()} model", ExitCodes.Usage);
        lengths ??= DefaultLengths;
        if (lengths.Any(L => L < 2)) throw new EMambaException("--lengths must be sequence lengths of 2 tokens or more", ExitCodes.Usage);
        var stream = Stream(TaskData.Corpus(new RunConfig { Model = cfg }, q.Data), cfg, q.Model, q.Split, q.LimitTest, q.Data);
        var plan = PlanFor(stream, lengths);
        var opts = new ParallelOptions { MaxDegreeOfParallelism = q.Threads, CancellationToken = ct };
        obs.Info($"streaming {stream.Length:N0} {q.Split} tokens (and sequences of {string.Join(", ", lengths)} from the first {plan.Head.Length:N0}) through the integer engine on {q.Threads} thread(s)");
        var sw = Stopwatch.StartNew();
        var figures = Streaming.Figures(plan, s => Streaming.Integer(m, s.Span, ct), opts);
        double sec = sw.Elapsed.TotalSeconds;
        long fed = (stream.Length - 1) + lengths.Where(L => L <= plan.Head.Length).Sum(L => (long)(plan.Head.Length / L) * (L - 1));

        Dictionary<string, double>? ff = null; string? fsrc = null;
        if (q.CompareFloat && file.FloatSource is { } s && File.Exists(s.Model) && (s.Approx is null || File.Exists(s.Approx)))
        {
            var fm = new FloatModel(FloatCheckpoint.Read(s.Model), s.Approx is null ? null : ApproxFile.Load(s.Approx));
            obs.Info($"the same tokens through the float reference {s.Model}");
            ff = Streaming.Figures(plan, x => Streaming.Float(fm, x.Span, ct), opts);
            fsrc = s.Model + (s.Approx is null ? "" : $" + {s.Approx}");
        }
        return new RunStage.Result("perplexity", figures["perplexity"], ff?["perplexity"], figures, ff, null, stream.Length - 1, sec,
            sec * 1e6 / Math.Max(1, fed), fsrc);
    }

    /// <summary>The evaluation stream of a split, the first <paramref name="limit"/> tokens when given;
    /// the corpus must have the model's vocabulary size (the file keeps no word list).</summary>
    public static int[] Stream(LmCorpus corpus, ModelConfig cfg, string model, string split, int? limit, string? data)
    {
        if (corpus.Vocab.Count != cfg.Vocab)
            throw new EMambaException($"{model}: its vocabulary has {cfg.Vocab:N0} words, the corpus at {data ?? WikiText.DefaultDir} {corpus.Vocab.Count:N0}; evaluate on the corpus it was trained on", ExitCodes.BadInput);
        var stream = split switch
        {
            "test" => corpus.Test, "val" => corpus.Val, "train" => corpus.Train,
            _ => throw new EMambaException($"split '{split}' must be test, val or train", ExitCodes.Usage),
        };
        if (limit is int n && n < stream.Length) stream = stream[..n];
        return SplitChecks.EnoughTokens(stream, 2, $"{data ?? WikiText.DefaultDir}: the {split} split", "one token and its next-token target");
    }

    /// <summary>The whole stream, and the lengths on its first LengthEval.Tokens tokens, as EvalStage does.</summary>
    public static Streaming.Plan PlanFor(int[] stream, IReadOnlyList<int> lengths, bool overall = true) =>
        new(overall ? stream : null, stream[..Math.Min(stream.Length, LengthEval.Tokens)], lengths);
}
