namespace EMamba.Search.Samplers;

/// <summary>NSGA-II's real-coded variation on a bounded coordinate: simulated binary crossover (Deb and
/// Agrawal, Complex Systems 1995, in the bounded form of Deb's NSGA-II code) and polynomial mutation (Deb and
/// Goyal 1996). Both keep the result inside [lo, hi].</summary>
public static class Variation
{
    /// <summary>Two children of <paramref name="x1"/> and <paramref name="x2"/> spread around them with
    /// distribution index <paramref name="eta"/> (larger: closer to the parents).</summary>
    public static (double C1, double C2) Sbx(double x1, double x2, double lo, double hi, double eta, Random rng)
    {
        if (Math.Abs(x1 - x2) < 1e-14 || hi <= lo) return (x1, x2);
        double y1 = Math.Min(x1, x2), y2 = Math.Max(x1, x2), u = rng.NextDouble();
        double Spread(double beta)
        {
            double alpha = 2 - Math.Pow(beta, -(eta + 1));
            return u <= 1 / alpha ? Math.Pow(u * alpha, 1 / (eta + 1)) : Math.Pow(1 / (2 - u * alpha), 1 / (eta + 1));
        }
        double c1 = 0.5 * (y1 + y2 - Spread(1 + 2 * (y1 - lo) / (y2 - y1)) * (y2 - y1));
        double c2 = 0.5 * (y1 + y2 + Spread(1 + 2 * (hi - y2) / (y2 - y1)) * (y2 - y1));
        c1 = Math.Clamp(c1, lo, hi);
        c2 = Math.Clamp(c2, lo, hi);
        return rng.NextDouble() < 0.5 ? (c2, c1) : (c1, c2);
    }

    /// <summary><paramref name="x"/> moved by a polynomial perturbation with index <paramref name="eta"/>.</summary>
    public static double Polynomial(double x, double lo, double hi, double eta, Random rng)
    {
        if (hi <= lo) return x;
        double d1 = (x - lo) / (hi - lo), d2 = (hi - x) / (hi - lo), u = rng.NextDouble(), pow = 1 / (eta + 1), dq;
        if (u < 0.5) dq = Math.Pow(2 * u + (1 - 2 * u) * Math.Pow(1 - d1, eta + 1), pow) - 1;
        else dq = 1 - Math.Pow(2 * (1 - u) + 2 * (u - 0.5) * Math.Pow(1 - d2, eta + 1), pow);
        return Math.Clamp(x + dq * (hi - lo), lo, hi);
    }
}
