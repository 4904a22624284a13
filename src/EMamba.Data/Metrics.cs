namespace EMamba.Data;

/// <summary>Task metrics, accumulated in double so a whole split sums without float drift.</summary>
public static class Metrics
{
    /// <summary>How many predictions equal their label.</summary>
    public static long Correct(ReadOnlySpan<long> pred, ReadOnlySpan<long> label)
    {
        if (pred.Length != label.Length) throw new ArgumentException($"{pred.Length} predictions for {label.Length} labels");
        long ok = 0;
        for (int i = 0; i < pred.Length; i++) if (pred[i] == label[i]) ok++;
        return ok;
    }

    /// <summary>Percentage of correct predictions (NaN for no samples).</summary>
    public static double Accuracy(long correct, long samples) => samples == 0 ? double.NaN : 100.0 * correct / samples;

    /// <summary>MAE and RMSE of each of <paramref name="dims"/> coordinates over all rows (row-major
    /// [rows, dims]), errors multiplied by <paramref name="scale"/> (default metres to cm).</summary>
    public static RegressionMetrics Regression(ReadOnlySpan<float> pred, ReadOnlySpan<float> target, int dims, double scale = 100.0)
    {
        if (dims < 1 || pred.Length != target.Length || pred.Length % dims != 0 || pred.Length == 0)
            throw new ArgumentException($"{pred.Length} predictions and {target.Length} targets do not form one or more rows of {dims}");
        int n = pred.Length / dims;
        var abs = new double[dims];
        var sq = new double[dims];
        for (int i = 0; i < n; i++)
            for (int d = 0; d < dims; d++)
            {
                double e = ((double)pred[i * dims + d] - target[i * dims + d]) * scale;
                abs[d] += Math.Abs(e);
                sq[d] += e * e;
            }
        return new RegressionMetrics(Array.ConvertAll(abs, a => a / n), Array.ConvertAll(sq, s => Math.Sqrt(s / n)));
    }

    /// <summary>exp(mean negative log-likelihood per token), the NLL in nats.</summary>
    public static double Perplexity(double totalNll, long tokens)
    {
        if (tokens < 1) throw new ArgumentOutOfRangeException(nameof(tokens), $"{tokens} tokens: perplexity needs at least one");
        return Math.Exp(totalNll / tokens);
    }
}
