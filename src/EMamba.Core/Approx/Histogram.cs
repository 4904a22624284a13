namespace EMamba.Core.Approx;

/// <summary>Counts of activation values in equal bins over [Lo, Hi], with the mass outside the range
/// kept as Below / Above (treated as sitting at Lo / Hi).</summary>
public sealed record Histogram(double Lo, double Hi, long[] Counts, long Below, long Above)
{
    public int Bins => Counts.Length;
    public double Width => (Hi - Lo) / Counts.Length;
    public long Total => Counts.Sum() + Below + Above;
    public double Center(int i) => Lo + (i + 0.5) * Width;

    public static Histogram Empty(double lo, double hi, int bins) => new(lo, hi, new long[bins], 0, 0);

    public Histogram Add(Histogram o)
    {
        if (o.Lo != Lo || o.Hi != Hi || o.Bins != Bins) throw new ArgumentException("histograms over different bins");
        return this with { Counts = Counts.Zip(o.Counts, (a, b) => a + b).ToArray(), Below = Below + o.Below, Above = Above + o.Above };
    }

    /// <summary>The histogram as weighted points (bin centres, and Lo / Hi for the outside mass), weights summing to 1.</summary>
    public (double X, double W)[] Points()
    {
        double total = Total;
        if (total <= 0) throw new InvalidOperationException("empty histogram");
        var pts = new List<(double, double)>(Bins + 2);
        if (Below > 0) pts.Add((Lo, Below / total));
        for (int i = 0; i < Bins; i++) if (Counts[i] > 0) pts.Add((Center(i), Counts[i] / total));
        if (Above > 0) pts.Add((Hi, Above / total));
        return [.. pts];
    }

    /// <summary>The value below which a fraction q of the mass lies (bin resolution).</summary>
    public double Quantile(double q)
    {
        double target = q * Total, acc = Below;
        if (acc >= target) return Lo;
        for (int i = 0; i < Bins; i++)
        {
            acc += Counts[i];
            if (acc >= target) return Lo + (i + 1) * Width;
        }
        return Hi;
    }
}
