namespace EMamba.Data;

/// <summary>Per-coordinate MAE and RMSE over a whole split (already scaled, e.g. to cm), and their means.</summary>
public sealed record RegressionMetrics(double[] Mae, double[] Rmse)
{
    /// <summary>Names of the MARS axes, in label order; logs key per-axis figures as mae_{name}_cm.</summary>
    public static readonly string[] AxisNames = ["x", "y", "z"];

    public double MeanMae => Mae.Average();
    public double MeanRmse => Rmse.Average();

    /// <summary>Mean MAE and RMSE of each axis for an axis-major layout: MARS labels are
    /// [x0..x18 | y0..y18 | z0..z18], so the default gives (x, y, z).</summary>
    public (double Mae, double Rmse)[] PerAxis(int joints = 19)
    {
        if (joints < 1 || Mae.Length % joints != 0)
            throw new ArgumentException($"{Mae.Length} coordinates do not split into axes of {joints} joints");
        var axes = new (double, double)[Mae.Length / joints];
        for (int a = 0; a < axes.Length; a++)
            axes[a] = (new ArraySegment<double>(Mae, a * joints, joints).Average(), new ArraySegment<double>(Rmse, a * joints, joints).Average());
        return axes;
    }
}
