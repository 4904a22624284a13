using EMamba.Training.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using EMamba.Training.Runtime;
using EMamba.Training.Scan;

namespace EMamba.Training.Eval;

/// <summary>Language-model scoring. A Mamba LM reads each sequence in pieces of <c>chunk</c> tokens,
/// carrying its state, so memory stays constant however long the sequence (the recurrent mode an
/// edge device runs); other models read each sequence whole, so it must fit their context.</summary>
public static class LmEval
{
    /// <summary>Negative log-likelihood (nats, summed) of every token after the first of each row of
    /// <paramref name="seqs"/>, and how many tokens that is: rows are independent sequences. The part
    /// whose target is <paramref name="unk"/> is also given on its own (zero when unk &lt; 0).</summary>
    public static LmScore Score(nn.Module<Tensor, Tensor> model, int[,] seqs, int chunk = 128, int batch = 16,
        Action<int, int>? progress = null, int unk = -1)
    {
        int rows = seqs.GetLength(0), len = seqs.GetLength(1);
        if (len < 2) throw new ArgumentException($"sequences of {len} tokens have nothing to predict");
        model.eval();
        using var _ = no_grad();
        double nll = 0, unkNll = 0;
        long unkCount = 0;
        void Add(Tensor logits, Tensor targets)                                   // (nb, n, V), (nb, n)
        {
            using var each = F.cross_entropy(logits.reshape(-1, logits.shape[2]), targets.reshape(-1), reduction: nn.Reduction.None);   // (nb*n)
            nll += each.sum().item<float>();
            if (unk < 0) return;
            using var isUnk = targets.reshape(-1).eq(unk);
            unkNll += each.masked_select(isUnk).sum().item<float>();
            unkCount += isUnk.sum().item<long>();
        }
        int groups = (rows + batch - 1) / batch;
        for (int g = 0; g < groups; g++)
        {
            int r0 = g * batch, nb = Math.Min(batch, rows - r0);
            using var all = Slice(seqs, r0, nb, 0, len);                       // (nb, len) int64
            if (model is MambaLM lm)
            {
                using var state = new StreamState();
                for (int t0 = 0; t0 < len - 1; t0 += chunk)
                {
                    FinalizerGate.SafePoint();
                    using var scope = NewDisposeScope();
                    int n = Math.Min(chunk, len - 1 - t0);
                    var logits = lm.Forward(all.narrow(1, t0, n), state.Current, out var next);   // (nb, n, V)
                    Add(logits, all.narrow(1, t0 + 1, n));
                    state.Advance(next);
                }
            }
            else
            {
                FinalizerGate.SafePoint();
                using var scope = NewDisposeScope();
                var logits = model.forward(all.narrow(1, 0, len - 1));               // (nb, len-1, V)
                Add(logits, all.narrow(1, 1, len - 1));
            }
            progress?.Invoke(g + 1, groups);
        }
        return new LmScore(nll, (long)rows * (len - 1), unkNll, unkCount);
    }

    /// <summary>Score a whole split: a Mamba LM reads it as <paramref name="streams"/> long streams with
    /// its state carried; any other model reads consecutive windows of its training length, since
    /// its context is bounded.</summary>
    /// <param name="what">names the split in the error for too few tokens</param>
    public static LmScore ScoreSplit(nn.Module<Tensor, Tensor> model, int[] tokens, int seqLen, int streams, int unk = -1,
        string what = "the evaluation split") =>
        model is MambaLM
            ? Score(model, EMamba.Data.TokenBatches.Batchify(
                EMamba.Data.SplitChecks.EnoughTokens(tokens, 2 * streams, what, $"2 per stream for {streams} streams"), streams), seqLen, streams, unk: unk)
            : Score(model, Windows(
                EMamba.Data.SplitChecks.EnoughTokens(tokens, seqLen + 1, what, $"one window of {seqLen} tokens and its next-token target"), seqLen), seqLen, unk: unk);

    /// <summary>Perplexity of a token stream cut into consecutive sequences of <paramref name="length"/>
    /// tokens, each read from a fresh state (the remainder is dropped).</summary>
    public static double PerplexityAt(nn.Module<Tensor, Tensor> model, int[] tokens, int length, int chunk = 128, int batch = 16)
    {
        int rows = tokens.Length / length;
        if (rows < 1) throw new ArgumentException($"{tokens.Length} tokens hold no sequence of {length}");
        var seqs = new int[rows, length];
        for (int r = 0; r < rows; r++) for (int t = 0; t < length; t++) seqs[r, t] = tokens[r * length + t];
        var (nll, n) = Score(model, seqs, chunk, batch);
        return Math.Exp(nll / n);
    }

    /// <summary>Consecutive windows of <paramref name="length"/> tokens, overlapping by one so every
    /// token after the first is predicted exactly once.</summary>
    public static int[,] Windows(int[] tokens, int length)
    {
        int rows = (tokens.Length - 1) / length;
        if (rows < 1) throw new ArgumentException($"{tokens.Length} tokens hold no window of {length}");
        var w = new int[rows, length + 1];
        for (int r = 0; r < rows; r++) for (int t = 0; t <= length; t++) w[r, t] = tokens[r * length + t];
        return w;
    }

    /// <summary>Rows r0..r0+nb, columns t0..t0+n of an int grid as an int64 tensor (nb, n).</summary>
    public static Tensor Slice(int[,] grid, int r0, int nb, int t0, int n)
    {
        var buf = new long[nb * n];
        for (int r = 0; r < nb; r++) for (int t = 0; t < n; t++) buf[r * n + t] = grid[r0 + r, t0 + t];
        return tensor(buf, [nb, n]);
    }
}

/// <summary>A language model's summed negative log-likelihood over <see cref="Tokens"/> predicted
/// tokens, and the part of it whose target was &lt;unk&gt;.</summary>
public readonly record struct LmScore(double Nll, long Tokens, double UnkNll, long UnkTokens)
{
    public double Perplexity => Math.Exp(Nll / Tokens);
    /// <summary>Perplexity over the targets that are real words: a small vocabulary maps many test
    /// words to one easily predicted &lt;unk&gt;, which flatters the plain figure.</summary>
    public double KnownPerplexity => Math.Exp((Nll - UnkNll) / (Tokens - UnkTokens));
    public double UnkPercent => 100.0 * UnkTokens / Tokens;
    public void Deconstruct(out double nll, out long tokens) { nll = Nll; tokens = Tokens; }
}
