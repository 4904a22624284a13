namespace EMamba.Data;

/// <summary>Per-coordinate MAE and RMSE over a whole split (scaled, e.g. metres to cm), and their means.</summary>
public sealed record RegressionMetrics(double[] Mae, double[] Rmse)
{
    public double MeanMae => Mae.Average();
    public double MeanRmse => Rmse.Average();

    /// <summary>MARS layout [x0..x18 | y0..y18 | z0..z18]: mean MAE and RMSE of each axis.</summary>
    public (double Mae, double Rmse)[] PerAxis(int joints = 19) =>
        Enumerable.Range(0, Mae.Length / joints)
            .Select(a => (Mae.Skip(a * joints).Take(joints).Average(), Rmse.Skip(a * joints).Take(joints).Average())).ToArray();
}

public static class Metrics
{
    public static double Accuracy(ReadOnlySpan<int> pred, ReadOnlySpan<int> label)
    {
        if (pred.Length != label.Length) throw new ArgumentException($"{pred.Length} predictions for {label.Length} labels");
        if (pred.Length == 0) return double.NaN;
        int ok = 0;
        for (int i = 0; i < pred.Length; i++) if (pred[i] == label[i]) ok++;
        return 100.0 * ok / pred.Length;
    }

    public static RegressionMetrics Regression(ReadOnlySpan<float> pred, ReadOnlySpan<float> target, int dims, double scale = 100.0)
    {
        if (pred.Length != target.Length || dims < 1 || pred.Length % dims != 0)
            throw new ArgumentException($"{pred.Length} predictions and {target.Length} targets do not form rows of {dims}");
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
        return new RegressionMetrics(abs.Select(a => a / n).ToArray(), sq.Select(s => Math.Sqrt(s / n)).ToArray());
    }

    public static double Perplexity(double totalNll, long tokens) => Math.Exp(totalNll / tokens);
}
