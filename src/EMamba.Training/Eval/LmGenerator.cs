using EMamba.Core;
using EMamba.Training.Modules;
using static TorchSharp.torch;
using EMamba.Training.Runtime;
using EMamba.Training.Scan;

namespace EMamba.Training.Eval;

/// <summary>Samples text from a language model. A Mamba LM streams: the prompt goes in once, then each
/// new token is one recurrent step on the carried state (constant memory and time per token). Other
/// models re-read the last tokens that fit their context at every step.</summary>
public static class LmGenerator
{
    /// <summary>Upper bounds of the generation options (beyond them a run is a mistake, not a request).</summary>
    public const int MaxTokens = 1_000_000;
    public const double MaxTemperature = 100;

    /// <summary>Usage errors (flag names as in <c>generate</c>) for a token count outside 1..<see cref="MaxTokens"/>,
    /// a temperature that is not finite or outside [0, <see cref="MaxTemperature"/>], or a negative top-k.</summary>
    public static void CheckOptions(int tokens, double temperature, int topK)
    {
        if (tokens < 1 || tokens > MaxTokens)
            throw new EMambaException($"--tokens {tokens} must be in 1..{MaxTokens:N0}", ExitCodes.Usage);
        if (!double.IsFinite(temperature) || temperature < 0 || temperature > MaxTemperature)
            throw new EMambaException($"--temperature {temperature} must be a finite number in [0, {MaxTemperature}] (0 = greedy)", ExitCodes.Usage);
        if (topK < 0) throw new EMambaException($"--top-k {topK} must be >= 0 (0 = all tokens)", ExitCodes.Usage);
    }

    /// <param name="temperature">0 = greedy (argmax); otherwise logits / temperature</param>
    /// <param name="topK">sample among the k most likely tokens (0 = all)</param>
    /// <param name="seed">the only source of randomness, so a run can be repeated exactly</param>
    public static IEnumerable<int> Generate(nn.Module<Tensor, Tensor> model, int[] prompt, int count,
        double temperature = 1.0, int topK = 0, int seed = 1, int context = 512)
    {
        if (prompt.Length == 0) throw new ArgumentException("the prompt needs at least one token");
        if (temperature < 0 || !double.IsFinite(temperature)) throw new ArgumentException($"temperature {temperature} must be >= 0");
        var rng = new Random(seed);
        model.eval();
        var history = new List<int>(prompt);
        // Disposed when the enumeration ends or is abandoned.
        using var state = new StreamState();
        int[] feed = prompt;
        for (int i = 0; i < count; i++)
        {
            FinalizerGate.SafePoint();
            float[] logits;
            using (no_grad())
            using (NewDisposeScope())
            {
                Tensor output;                                                   // (1, n, V)
                if (model is MambaLM lm)
                {
                    output = lm.Forward(tensor(feed.Select(t => (long)t).ToArray(), [1, feed.Length]), state.Current, out var next);
                    state.Advance(next);
                }
                else
                {
                    var window = history.Skip(Math.Max(0, history.Count - context)).Select(t => (long)t).ToArray();
                    output = model.forward(tensor(window, [1, window.Length]));
                }
                logits = output[0, -1].to_type(ScalarType.Float32).data<float>().ToArray();  // (V)
            }
            int token = Pick(logits, temperature, topK, rng);
            history.Add(token);
            feed = [token];
            yield return token;
        }
    }

    /// <summary>One token from logits: argmax at temperature 0, else a draw from the (top-k) softmax, in double.</summary>
    public static int Pick(float[] logits, double temperature, int topK, Random rng)
    {
        if (temperature == 0) return Array.IndexOf(logits, logits.Max());
        var order = Enumerable.Range(0, logits.Length).OrderByDescending(i => logits[i]).ThenBy(i => i).ToArray();
        if (topK > 0 && topK < order.Length) order = order[..topK];
        double top = logits[order[0]];
        var w = order.Select(i => Math.Exp((logits[i] - top) / temperature)).ToArray();
        double u = rng.NextDouble() * w.Sum();
        for (int k = 0; k < w.Length; k++)
        {
            u -= w[k];
            if (u < 0) return order[k];
        }
        return order[^1];
    }
}
