using System.Runtime.Intrinsics;
using EMamba.Core.Approx;
using static TorchSharp.torch;
using EMamba.Training.Eval;
using EMamba.Training.Pwl;
using EMamba.Training.Scan;

namespace EMamba.Training.Tests;

/// <summary>Every evaluator of a piecewise-linear table against the one definition (<see cref="PwlRule"/>,
/// evaluated in double by <see cref="PwlTable.Eval"/>), on the same tables and inputs: inputs exactly at
/// the knots and one float32 step either side of them, just outside the end knots, far tails, segment
/// midpoints and random points.
/// Tolerance (float32 against double): |y - y_ref| &lt;= 1e-6 (1 + |x| + max |v|), about 8 float32 ulps
/// of the largest magnitude involved; exact (bit for bit) wherever the definition returns a stored
/// value: at every knot, and on a flat tail.
/// To add an evaluator (the integer engine, the RTL simulation), append one entry to <see cref="Evaluators"/>:
/// a name, the functions it implements and a function from (table, float32 inputs) to outputs.</summary>
[Collection("torch")]
public sealed class PwlConformanceTests
{
    public sealed record Evaluator(string Name, PwlFunction[] Functions, Func<PwlTable, float[], float[]> Eval);

    private static Tensor F32(double[] a) => tensor(a.Select(v => (float)v).ToArray());

    public static readonly Evaluator[] Evaluators =
    [
        new("PwlTable.Eval (double, the definition, rounded to float32)", PwlFunctions.All,
            (t, x) => [.. x.Select(v => (float)t.Eval(v))]),
        new("PiecewiseLinear (float32 autograd kernel)", PwlFunctions.All,
            (t, x) => PiecewiseLinear.Apply(tensor(x), F32(t.Knots), F32(t.Values), t.Function).data<float>().ToArray()),
        new("SelectiveScanPwl.Eval, 16 lanes", PwlFunctions.All, (t, x) => Lanes<Lanes16>(t, x, Vector512.IsHardwareAccelerated)),
        new("SelectiveScanPwl.Eval, 8 lanes", PwlFunctions.All, (t, x) => Lanes<Lanes8>(t, x, Vector256.IsHardwareAccelerated)),
        new("SelectiveScanPwl.Eval, 4 lanes", PwlFunctions.All, (t, x) => Lanes<Lanes4>(t, x, Vector128.IsHardwareAccelerated)),
        new("SelectiveScanPwl.Eval, 1 lane", PwlFunctions.All, (t, x) => Lanes<Lanes1>(t, x, true)),
        new("fused scan A_bar (SelectiveScan.ApplyPwlExp)", [PwlFunction.Exp], FusedScan),
    ];

    // The in-kernel exp's lane code, called directly (every lane width the scan uses).
    private static unsafe float[] Lanes<W>(PwlTable t, float[] x, bool available) where W : struct, ILanes<W>
    {
        if (!available) return Lanes<Lanes1>(t, x, true);
        var pwl = new SelectiveScanPwl([.. t.Knots.Select(v => (float)v)], [.. t.Values.Select(v => (float)v)], t.Function.Rule());
        int n = W.Count, m = (x.Length + n - 1) / n * n;
        var xs = new float[m]; var ys = new float[m];
        x.CopyTo(xs, 0);
        fixed (float* px = xs, py = ys)
            for (int i = 0; i < m; i += n) W.Store(pwl.Eval(W.Load(px + i)), py + i);
        return ys[..x.Length];
    }

    // The whole fused scan with one step, delta = 1, A = x, h0 = 1, B = u = D = 0, C = 1:
    // y = C (A_bar h0 + delta B u) + D u = A_bar(x), one channel per input.
    private static float[] FusedScan(PwlTable t, float[] x)
    {
        int d = x.Length;
        using var u = zeros(1, 1, d); using var delta = ones(1, 1, d);
        using var A = tensor(x).reshape(d, 1);
        using var B = zeros(1, 1, 1); using var C = ones(1, 1, 1); using var D = zeros(d);
        using var h0 = ones(1, d, 1);
        using var y = SelectiveScan.ApplyPwlExp(u, delta, A, B, C, D, F32(t.Knots), F32(t.Values), h0, out var hl);
        hl.Dispose();
        return y.data<float>().ToArray();
    }

    // Tables: the paper defaults, a fitted exp table (its knot pinned at 0), and random tables with
    // uneven knots (float32 numbers) and values off the function.
    private static IEnumerable<PwlTable> Tables(PwlFunction f)
    {
        yield return PwlTable.Default(f);
        if (f == PwlFunction.Exp) yield return PwlFit.Fit(f, 11, -4, 1, Histogram.Empty(-6, 2, 80) with { Below = 1 });
        for (int seed = 0; seed < 6; seed++)
        {
            var r = new Random(seed);
            int n = 2 + r.Next(20);
            var k = new double[n];
            k[0] = (float)(r.NextDouble() * 20 - 10);
            for (int i = 1; i < n; i++) k[i] = (float)(k[i - 1] + 0.01 + r.NextDouble() * (seed % 2 == 0 ? 1 : 5));
            var v = k.Select(x => (double)(float)(f.Exact(x) + (r.NextDouble() - 0.5) * (seed < 3 ? 0.2 : 4))).ToArray();
            yield return new PwlTable(f, k, v);   // exp values clipped into [0, 1] here, as everywhere
        }
    }

    private static float[] Inputs(PwlTable t)
    {
        var x = new List<float> { 0f, -0f, 1e-30f, -1e-30f, 1e3f, -1e3f, 1e30f, -1e30f, float.MaxValue / 4, -float.MaxValue };
        foreach (double kd in t.Knots)
        {
            float k = (float)kd;
            x.AddRange([k, MathF.BitDecrement(k), MathF.BitIncrement(k), k - 1e-3f, k + 1e-3f]);
        }
        x.AddRange([(float)(t.Lo - 1e-6), (float)(t.Hi + 1e-6), (float)(t.Lo - 1), (float)(t.Hi + 1)]);
        // -4.0000005 against -4: the float32 neighbours of a knot that a double input rounds to.
        x.AddRange([(float)(t.Lo - 5e-7), (float)(t.Lo + 5e-7), (float)(t.Hi - 5e-7), (float)(t.Hi + 5e-7)]);
        for (int i = 0; i < t.Segments; i++) x.Add((float)(0.5 * (t.Knots[i] + t.Knots[i + 1])));
        var r = new Random(t.Knots.Length);
        for (int i = 0; i < 200; i++) x.Add((float)(t.Lo - 3 + r.NextDouble() * (t.Hi - t.Lo + 6)));
        return [.. x];
    }

    [Theory]
    [InlineData(PwlFunction.Silu)]
    [InlineData(PwlFunction.Exp)]
    public void Every_evaluator_agrees_with_the_core_definition(PwlFunction f)
    {
        foreach (var t in Tables(f))
        {
            var x = Inputs(t);
            double vmax = t.Values.Max(Math.Abs);
            foreach (var e in Evaluators.Where(e => e.Functions.Contains(f)))
            {
                var y = e.Eval(t, x);
                Assert.Equal(x.Length, y.Length);
                for (int i = 0; i < x.Length; i++)
                {
                    double xd = x[i], want = t.Eval(xd), tol = 1e-6 * (1 + Math.Abs(xd) + vmax);
                    string where = $"{e.Name}, {f.Name()} table of {t.Knots.Length} knots [{t.Lo}, {t.Hi}], x = {x[i]:R}: {y[i]:R} vs {want:R}";
                    bool exact = t.Knots.Contains(xd)
                        || (xd < t.Lo && f.Rule().BelowSlope == 0) || (xd > t.Hi && f.Rule().AboveSlope == 0);
                    if (exact) Assert.True(y[i] == (float)want, "exact: " + where);
                    else Assert.True(Math.Abs(y[i] - want) <= tol, where);
                }
            }
        }
    }

    [Fact]
    public void The_exp_definition_has_no_jump_at_the_first_knot()
    {
        // The defect: 0 just below -4 and 0.0165 at it, so float rounding of the input decided.
        var t = PwlTable.Default(PwlFunction.Exp);
        float[] x = [-4f, MathF.BitDecrement(-4f), (float)-4.0000005, -4.5f, -1e30f];
        foreach (var e in Evaluators.Where(e => e.Functions.Contains(PwlFunction.Exp)))
            Assert.All(e.Eval(t, x), y => Assert.Equal((float)t.Values[0], y));
    }
}
