using EMamba.Core.Integer;
using EMamba.Engine.Quantize;

namespace EMamba.Engine.Lm;

/// <summary>Streaming evaluation of a language model in constant memory (doc §20): a sequence is fed
/// token by token from a fresh state (the recurrent mode an edge device runs), and every token after
/// the first is scored against the logits of the one before it. The integer engine and its float twin
/// (<see cref="FloatModel.Step"/>) are scored the same way on the same tokens.</summary>
public static class Streaming
{
    /// <summary>The integer engine over <paramref name="seq"/> from a fresh <see cref="ModelState"/>.</summary>
    public static StreamScore Integer(IntModel m, ReadOnlySpan<int> seq, CancellationToken ct = default)
    {
        var st = new ModelState(m);
        double nll = 0;
        for (int t = 0; t + 1 < seq.Length; t++)      // the last token has no target: it is not fed
        {
            ct.ThrowIfCancellationRequested();
            nll += NextToken.Nll(Reference.Step(m, st, seq[t]), m.Output, seq[t + 1]);
        }
        return new StreamScore(nll, Math.Max(0, seq.Length - 1));
    }

    /// <summary>The float reference over <paramref name="seq"/> from a fresh state.</summary>
    public static StreamScore Float(FloatModel fm, ReadOnlySpan<int> seq, CancellationToken ct = default)
    {
        var st = new FloatModel.State(fm);
        double nll = 0;
        for (int t = 0; t + 1 < seq.Length; t++)
        {
            ct.ThrowIfCancellationRequested();
            nll += NextToken.Nll(fm.Step(st, seq[t]), seq[t + 1]);
        }
        return new StreamScore(nll, Math.Max(0, seq.Length - 1));
    }

    /// <summary>What to score: the whole stream as one sequence (<see cref="Overall"/>) and/or the head
    /// cut into sequences of each of <see cref="Lengths"/> (the float protocol of LengthEval).</summary>
    public sealed record Plan(int[]? Overall, int[] Head, IReadOnlyList<int> Lengths);

    /// <summary>Figures of one model under a plan: "perplexity" and "loss" over the whole stream,
    /// "ppl_L" per length that fits in the head, and "samples" (predicted tokens of the whole stream).
    /// Every sequence is independent, so they run in parallel; the sums are taken in sequence order, so
    /// the figures do not depend on the thread count.</summary>
    public static Dictionary<string, double> Figures(Plan plan, Func<ReadOnlyMemory<int>, StreamScore> score, ParallelOptions opts)
    {
        var jobs = new List<(string Key, ReadOnlyMemory<int> Seq)>();
        if (plan.Overall is { } all) jobs.Add(("perplexity", all));
        foreach (int L in plan.Lengths.Where(L => L >= 2 && L <= plan.Head.Length).Distinct())
            for (int r = 0; r < plan.Head.Length / L; r++) jobs.Add(($"ppl_{L}", plan.Head.AsMemory(r * L, L)));
        var parts = new StreamScore[jobs.Count];
        // Longest first, so the one long overall stream starts at once and the short ones fill in around it.
        var order = Enumerable.Range(0, jobs.Count).OrderByDescending(i => jobs[i].Seq.Length).ToArray();
        Parallel.For(0, order.Length, opts, k => parts[order[k]] = score(jobs[order[k]].Seq));
        var f = new Dictionary<string, double>();
        foreach (var g in Enumerable.Range(0, jobs.Count).GroupBy(i => jobs[i].Key))
        {
            var s = g.Aggregate(default(StreamScore), (a, i) => a + parts[i]);
            f[g.Key] = s.Perplexity;
            if (g.Key == "perplexity") { f["loss"] = s.Loss; f["samples"] = s.Tokens; }
        }
        return f;
    }
}
