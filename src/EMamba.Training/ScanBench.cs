using System.Diagnostics;
using EMamba.Core.Approx;
using static TorchSharp.torch;

namespace EMamba.Training;

/// <summary>Times the fused selective scan against the time-step loop of TorchSharp ops, forward
/// alone and forward + backward, on given shapes (median of several runs after a warm-up).</summary>
public static class ScanBench
{
    public sealed record Row(string Shape, string Variant, double FusedMs, double NaiveMs)
    {
        public double Speedup => NaiveMs / FusedMs;
    }

    public static IEnumerable<Row> Run(int bt, int l, int din, int n, int repeats)
    {
        manual_seed(1);
        using var u = randn(bt, l, din).requires_grad_();
        using var delta = (rand(bt, l, din) * 0.1 + 0.001).requires_grad_();
        using var A = (-rand(din, n) * n).requires_grad_();
        using var B = randn(bt, l, n).requires_grad_();
        using var C = randn(bt, l, n).requires_grad_();
        using var D = ones(din).requires_grad_();
        var exp = PwlTable.Default(PwlFunction.Exp);
        using var knots = tensor(exp.Knots.Select(v => (float)v).ToArray()).requires_grad_();
        using var values = tensor(exp.Values.Select(v => (float)v).ToArray()).requires_grad_();
        string shape = $"Bt={bt} L={l} Din={din} N={n}";
        // With PWL exp: the fused kernel evaluates the table itself; the loop gets A_bar = pwl(delta A)
        // built as a tensor by the PWL autograd op (both give gradients to the knots and values).
        Tensor Scan(bool naive, bool pwl)
        {
            if (!pwl) return naive ? SelectiveScan.Naive(u, delta, A, B, C, D, null, out _) : SelectiveScan.Apply(u, delta, A, B, C, D);
            if (!naive) return SelectiveScan.ApplyPwlExp(u, delta, A, B, C, D, knots, values, null, out _);
            var abar = PiecewiseLinear.Apply(delta.unsqueeze(-1) * A, knots, values, PwlFunction.Exp);
            return SelectiveScan.NaiveWithDecay(u, delta, abar, B, C, D, null, out _);
        }
        double Time(bool backward, bool naive, bool pwl = false)
        {
            var times = new List<double>();
            for (int i = 0; i < repeats + 1; i++)
            {
                FinalizerGate.SafePoint();
                using var scope = NewDisposeScope();
                var sw = Stopwatch.StartNew();
                var y = Scan(naive, pwl);
                if (backward) y.sum().backward();
                if (i > 0) times.Add(sw.Elapsed.TotalMilliseconds);   // the first run is warm-up
            }
            times.Sort();
            return times[times.Count / 2];
        }
        using (no_grad()) yield return new Row(shape, "forward", Time(false, false), Time(false, true));
        yield return new Row(shape, "forward+backward", Time(true, false), Time(true, true));
        using (no_grad()) yield return new Row(shape, "forward, PWL exp", Time(false, false, true), Time(false, true, true));
        yield return new Row(shape, "forward+backward, PWL exp", Time(true, false, true), Time(true, true, true));
    }
}
