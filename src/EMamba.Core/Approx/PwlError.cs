namespace EMamba.Core.Approx;

/// <summary>How far a table is from its function: the largest absolute error on the knot range
/// (dense grid), and the mean absolute and root-mean-square errors under an activation histogram.</summary>
public sealed record PwlError(double Max, double MeanAbs, double Rms)
{
    public static PwlError Of(PwlTable t, Histogram h)
    {
        double max = 0;
        const int grid = 20000;
        for (int i = 0; i <= grid; i++)
        {
            double x = t.Lo + (t.Hi - t.Lo) * i / grid;
            max = Math.Max(max, Math.Abs(t.Function.Exact(x) - t.Eval(x)));
        }
        double mae = 0, mse = 0;
        foreach (var (x, w) in h.Points())
        {
            double e = t.Function.Exact(x) - t.Eval(x);
            mae += w * Math.Abs(e);
            mse += w * e * e;
        }
        return new PwlError(max, mae, Math.Sqrt(mse));
    }
}
