namespace EMamba.Core.Approx;

/// <summary>Places the knots of a table to minimise the expected squared error under an activation
/// histogram, instead of spacing them evenly.
/// <list type="bullet">
/// <item>Given the knots, the best values solve a weighted least-squares problem whose normal
/// equations are tridiagonal (each point touches the two values of its segment).</item>
/// <item>The interior knots move one at a time (coordinate descent): a grid over the gap between the
/// neighbours, then a golden-section refinement, keeping the move only if the error drops. The two end
/// knots (the range) stay where the caller put them.</item>
/// <item>A small share of the weight (<c>floor</c>) is spread evenly over the range so segments that
/// the data rarely visit still follow the function rather than drift.</item>
/// </list>
/// Deterministic: no randomness, a fixed number of candidates and sweeps.</summary>
public static class PwlFit
{
    public static PwlTable Fit(PwlFunction f, int segments, double lo, double hi, Histogram h, double floor = 0.02, int maxSweeps = 40)
    {
        if (segments < 1 || segments > 256) throw new ArgumentOutOfRangeException(nameof(segments), "segments must be in 1..256");
        if (!(hi > lo)) throw new ArgumentException($"range [{lo}, {hi}] is empty");
        var pts = WeightedPoints(h, lo, hi, floor);
        var knots = StartKnots(f, segments, lo, hi, out int pinned);
        double best = Objective(f, knots, pts, out var values);
        double minGap = (hi - lo) / segments * 1e-3;
        for (int sweep = 0; sweep < maxSweeps; sweep++)
        {
            double before = best;
            for (int i = 1; i < segments; i++)
            {
                if (i == pinned) continue;
                double a = knots[i - 1] + minGap, b = knots[i + 1] - minGap;
                if (!(b > a)) continue;
                double keep = knots[i];
                double bestX = keep;
                double Eval(double x) { knots[i] = x; return Objective(f, knots, pts, out _); }
                const int grid = 16;
                for (int g = 0; g <= grid; g++)
                {
                    double x = a + (b - a) * g / grid, e = Eval(x);
                    if (e < best) { best = e; bestX = x; }
                }
                double step = (b - a) / grid;
                double l = Math.Max(a, bestX - step), r = Math.Min(b, bestX + step);
                const double phi = 0.6180339887498949;
                double x1 = r - phi * (r - l), x2 = l + phi * (r - l), e1 = Eval(x1), e2 = Eval(x2);
                for (int it = 0; it < 30; it++)
                {
                    if (e1 < e2) { r = x2; x2 = x1; e2 = e1; x1 = r - phi * (r - l); e1 = Eval(x1); }
                    else { l = x1; x1 = x2; e1 = e2; x2 = l + phi * (r - l); e2 = Eval(x2); }
                }
                if (e1 < best) { best = e1; bestX = x1; }
                if (e2 < best) { best = e2; bestX = x2; }
                knots[i] = bestX;
            }
            if (before - best <= 1e-9 * before) break;
        }
        Objective(f, knots, pts, out values);
        return new PwlTable(f, knots, values);
    }

    /// <summary>Evenly spaced knots; for exp with 0 strictly inside the range and at least 2 segments,
    /// the last interior knot is held at 0 (index in <paramref name="pinned"/>, else -1) and the others
    /// spread over [lo, 0]. (A single exp segment has no interior knot: its chord misses 1 at 0.)
    /// <list type="bullet">
    /// <item>With ReLU Delta many inputs are exactly 0, where A_bar = 1 carries the state unchanged; a
    /// knot at 0 with value 1 keeps that exact instead of a slow decay.</item>
    /// <item>exp(min(x, 0)) is flat from 0 up, so one segment there is exact and every other segment is
    /// spent below 0 (a knot above the pin would only split a flat line).</item>
    /// </list></summary>
    private static double[] StartKnots(PwlFunction f, int segments, double lo, double hi, out int pinned)
    {
        pinned = -1;
        if (f != PwlFunction.Exp || !(lo < 0 && hi > 0) || segments < 2) return PwlTable.Uniform(f, segments, lo, hi).Knots;
        pinned = segments - 1;
        return [.. PwlTable.Uniform(f, pinned, lo, 0).Knots, hi];
    }

    /// <summary>Uniform knots with least-squares values under the same weights (isolates what knot placement adds).</summary>
    public static PwlTable FitValues(PwlTable t, Histogram h, double floor = 0.02)
    {
        var k = (double[])t.Knots.Clone();
        Objective(t.Function, k, WeightedPoints(h, t.Lo, t.Hi, floor), out var v);
        return new PwlTable(t.Function, k, v);
    }

    private static (double X, double W)[] WeightedPoints(Histogram h, double lo, double hi, double floor)
    {
        const int n = 512;
        var data = h.Points().Select(p => (p.X, p.W * (1 - floor)));
        var even = Enumerable.Range(0, n).Select(i => (lo + (hi - lo) * (i + 0.5) / n, floor / n));
        return [.. data.Concat(even)];
    }

    // Weighted squared error of the best values for these knots (values returned). The points outside
    // the range weigh on the end values (the rule holds v_0 below, and v_K or v_K + (x - k_K) above).
    // exp's values at knots >= 0 are held at exactly 1 (exp(min(x, 0)) is 1 there) and the rest fitted
    // around them, so the error measured is that of the table actually returned.
    private static double Objective(PwlFunction f, double[] knots, (double X, double W)[] pts, out double[] values)
    {
        int k = knots.Length;
        var diag = new double[k]; var off = new double[k]; var rhs = new double[k];
        double constant = 0;
        var probe = new PwlTable(f, knots, diag);
        var rule = f.Rule();
        foreach (var (x, w) in pts)
        {
            double y = f.Exact(x);
            // Beyond an end knot the table is the end value plus the rule's tail: the point pulls that
            // value towards y minus the tail's own contribution.
            if (x < knots[0] || x > knots[^1])
            {
                int e = x < knots[0] ? 0 : k - 1;
                double yt = y - (e == 0 ? rule.BelowSlope : rule.AboveSlope) * (x - knots[e]);
                diag[e] += w; rhs[e] += w * yt; constant += w * yt * yt;
                continue;
            }
            int i = probe.Segment(x);
            double t = (x - knots[i]) / (knots[i + 1] - knots[i]), s = 1 - t;
            diag[i] += w * s * s; diag[i + 1] += w * t * t; off[i] += w * s * t;
            rhs[i] += w * s * y; rhs[i + 1] += w * t * y;
            constant += w * y * y;
        }
        // A tiny pull towards the function's own values keeps unvisited segments well defined.
        const double ridge = 1e-9;
        for (int i = 0; i < k; i++)
        {
            double y = f.Exact(knots[i]);
            diag[i] += ridge; rhs[i] += ridge * y; constant += ridge * y * y;
        }
        int free = f == PwlFunction.Exp ? Array.FindIndex(knots, x => x >= 0) : -1;
        if (free < 0) free = k;
        values = new double[k];
        for (int i = free; i < k; i++) values[i] = f.Exact(knots[i]);
        if (free > 0)
        {
            var r = rhs[..free];
            if (free < k) r[free - 1] -= off[free - 1] * values[free];
            SolveTridiagonal(diag[..free], off[..free], r).CopyTo(values, 0);
        }
        // SSE = c - 2 v.r + v.M v (the fixed values are not at the unconstrained optimum, so no shortcut).
        double sse = constant;
        for (int i = 0; i < k; i++)
        {
            sse += values[i] * (diag[i] * values[i] - 2 * rhs[i]);
            if (i < k - 1) sse += 2 * off[i] * values[i] * values[i + 1];
        }
        return Math.Max(0, sse);
    }

    // Symmetric tridiagonal system (diag, off[i] couples i and i+1) by the Thomas algorithm; the
    // matrix is positive definite (a sum of squares plus a ridge), so no pivoting is needed.
    private static double[] SolveTridiagonal(double[] diag, double[] off, double[] rhs)
    {
        int n = diag.Length;
        var c = new double[n]; var d = new double[n]; var x = new double[n];
        c[0] = n > 1 ? off[0] / diag[0] : 0; d[0] = rhs[0] / diag[0];
        for (int i = 1; i < n; i++)
        {
            double m = diag[i] - off[i - 1] * c[i - 1];
            c[i] = i < n - 1 ? off[i] / m : 0;
            d[i] = (rhs[i] - off[i - 1] * d[i - 1]) / m;
        }
        x[n - 1] = d[n - 1];
        for (int i = n - 2; i >= 0; i--) x[i] = d[i] - c[i] * x[i + 1];
        return x;
    }
}
