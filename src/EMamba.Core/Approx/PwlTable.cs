namespace EMamba.Core.Approx;

/// <summary>A piecewise-linear approximation: strictly increasing knots x_0..x_K and values y_0..y_K,
/// linear between neighbouring knots, the function's tails outside [x_0, x_K] (see
/// <see cref="PwlFunction"/>). This double-precision evaluation is the reference for reports and
/// tests; training evaluates the same definition on float32 tensors.</summary>
public sealed record PwlTable(PwlFunction Function, double[] Knots, double[] Values)
{
    /// <summary>The values, brought into the function's range (exp: [0, 1], see <see cref="PwlFunction"/>)
    /// however the table was made: fitted, loaded from a file, read back from training.</summary>
    public double[] Values { get => values; init => values = Admit(Function, value); }
    private readonly double[] values = Admit(Function, Values);
    private static double[] Admit(PwlFunction f, double[] v) => v.Select(x => f.Admissible(x)).ToArray();

    public int Segments => Knots.Length - 1;
    public double Lo => Knots[0];
    public double Hi => Knots[^1];

    /// <summary>Uniformly spaced knots with the exact function's values (the paper's starting point).</summary>
    public static PwlTable Uniform(PwlFunction f, int segments, double lo, double hi)
    {
        var k = new double[segments + 1];
        for (int i = 0; i <= segments; i++) k[i] = i == segments ? hi : lo + (hi - lo) * i / segments;
        return new PwlTable(f, k, k.Select(x => f.Exact(x)).ToArray());
    }

    public static PwlTable Default(PwlFunction f)
    {
        var (n, lo, hi) = f.Default();
        return Uniform(f, n, lo, hi);
    }

    public double Eval(double x)
    {
        if (x < Knots[0]) return 0;
        if (x > Knots[^1]) return Function == PwlFunction.Silu ? x : Values[^1];
        int i = Segment(x);
        double t = (x - Knots[i]) / (Knots[i + 1] - Knots[i]);
        return Values[i] + t * (Values[i + 1] - Values[i]);
    }

    /// <summary>The segment i with x_i &lt;= x &lt;= x_{i+1} for x inside the knot range (at an interior knot, the segment that starts there).</summary>
    public int Segment(double x)
    {
        int lo = 0, hi = Knots.Length - 2;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) >> 1;
            if (Knots[mid] <= x) lo = mid; else hi = mid - 1;
        }
        return lo;
    }

    public IReadOnlyList<string> Problems()
    {
        var p = new List<string>();
        string n = Function.Name();
        if (Knots.Length < 2 || Knots.Length > 257) p.Add($"{n}: needs 2..257 knots (1..256 segments), has {Knots.Length}");
        if (Values.Length != Knots.Length) p.Add($"{n}: {Values.Length} values for {Knots.Length} knots");
        if (Knots.Concat(Values).Any(v => !double.IsFinite(v))) p.Add($"{n}: knots and values must be finite numbers");
        else
            for (int i = 1; i < Knots.Length; i++)
                if (!(Knots[i] > Knots[i - 1])) { p.Add($"{n}: knots must increase strictly (knot {i} = {Knots[i]} after {Knots[i - 1]})"); break; }
        return p;
    }
}
