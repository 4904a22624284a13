using EMamba.Core.Integer;

namespace EMamba.Engine.Lm;

/// <summary>The host side of a language model's output (doc §20): the engine stops at the s32 logits;
/// the next token's negative log-likelihood is a log-softmax over their real values (code x 2^-frac),
/// in double with the maximum subtracted, so it is finite whatever the logits' range.</summary>
public static class NextToken
{
    /// <summary>-log softmax(logits)[target] in nats, the logits being codes of <paramref name="d"/>.</summary>
    public static double Nll(ReadOnlySpan<long> logits, Domain d, int target)
    {
        var real = new double[logits.Length];
        for (int v = 0; v < real.Length; v++) real[v] = Samples.Real(logits[v], d);
        return Nll(real, target);
    }

    /// <summary>-log softmax(logits)[target] in nats.</summary>
    public static double Nll(ReadOnlySpan<double> logits, int target)
    {
        if ((uint)target >= (uint)logits.Length) throw new ArgumentOutOfRangeException(nameof(target), $"token {target} is outside the vocabulary of {logits.Length}");
        double max = double.NegativeInfinity;
        foreach (double v in logits) max = Math.Max(max, v);
        double sum = 0;
        foreach (double v in logits) sum += Math.Exp(v - max);
        return Math.Log(sum) + max - logits[target];
    }
}
