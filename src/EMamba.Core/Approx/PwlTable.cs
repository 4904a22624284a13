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

    /// <summary>The table at x under its function's <see cref="PwlRule"/>: clamp to the knot range,
    /// interpolate, add the tail beyond the end knots (continuous at both ends). At the last knot itself
    /// the value is v_K exactly (the tail at distance 0), as in every float32 evaluator.</summary>
    public double Eval(double x)
    {
        var r = Function.Rule();
        if (x < Knots[0]) return PwlRule.Tail(Values[0], r.BelowSlope, x - Knots[0]);
        if (x >= Knots[^1]) return PwlRule.Tail(Values[^1], r.AboveSlope, x - Knots[^1]);
        if (double.IsNaN(x)) return x;
        int i = Segment(x);
        double t = (x - Knots[i]) / (Knots[i + 1] - Knots[i]);
        return Values[i] + t * (Values[i + 1] - Values[i]);
    }

    /// <summary>Indices of the knots that sit exactly on one of the rule's pins with its value (exp: the
    /// knot at 0 with value 1); fine-tuning leaves them where they are.</summary>
    public int[] Pinned() => PinnedIn(Function, Knots, Values);

    public static int[] PinnedIn<T>(PwlFunction f, IReadOnlyList<T> knots, IReadOnlyList<T> values) where T : System.Numerics.INumber<T>
    {
        var pins = f.Rule().Pins;
        return [.. Enumerable.Range(0, Math.Min(knots.Count, values.Count))
            .Where(i => pins.Any(p => knots[i] == T.CreateChecked(p.X) && values[i] == T.CreateChecked(p.Y)))];
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

    /// <summary>Largest |knot| or |value| a table may hold: far beyond any activation, far inside float32.</summary>
    public const double Bound = 1e6;

    public IReadOnlyList<string> Problems() => Check(Function, Knots, Values);

    /// <summary>What is wrong with raw knots and values (before the value clip), judged as the float32
    /// numbers training and inference use: every entry finite and within <see cref="Bound"/> after
    /// conversion to float32, knots strictly increasing after conversion (1 and 1 + 1e-12 are one float).
    /// Each problem names the function and the index.</summary>
    public static IReadOnlyList<string> Check(PwlFunction f, IReadOnlyList<double> knots, IReadOnlyList<double> values)
    {
        var p = new List<string>();
        string n = f.Name();
        if (knots.Count < 2 || knots.Count > 257) p.Add($"{n}: needs 2..257 knots (1..256 segments), has {knots.Count}");
        if (values.Count != knots.Count) p.Add($"{n}: {values.Count} values for {knots.Count} knots");
        bool finite = true;
        foreach (var (what, a) in new[] { ("knot", knots), ("value", values) })
            for (int i = 0; i < a.Count; i++)
            {
                float v = (float)a[i];
                if (!float.IsFinite(v) || Math.Abs(v) > Bound)
                {
                    p.Add($"{n}: {what} {i} = {a[i]:R} is not a finite float32 within ±{Bound:0e0}");
                    finite = false;
                }
            }
        if (finite)
            for (int i = 1; i < knots.Count; i++)
                if (!((float)knots[i] > (float)knots[i - 1]))
                {
                    p.Add($"{n}: knots must increase strictly as float32 (knot {i} = {knots[i]:R} after {knots[i - 1]:R})");
                    break;
                }
        return p;
    }
}
