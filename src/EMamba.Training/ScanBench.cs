using System.Diagnostics;
using EMamba.Core.Approx;
using static TorchSharp.torch;
using EMamba.Training.Pwl;
using EMamba.Training.Runtime;
using EMamba.Training.Scan;

namespace EMamba.Training;

/// <summary>The one scan benchmark, behind both <c>emamba bench scan</c> and
/// <c>bench/EMamba.Bench scan</c>: the fused selective scan against the time-step loop of TorchSharp
/// ops, forward alone (no grad) and forward + backward (incoming gradient contiguous, as in training),
/// on given shapes. Warm-up run, then the median of several.
/// Variants: <see cref="Apply"/> (SelectiveScan.Apply vs Naive, exp inside the kernel);
/// <see cref="PwlExp"/> (ApplyPwlExp, the PWL exp evaluated by the kernel, vs NaiveWithDecay on
/// A_bar = pwl(delta A) from the PWL autograd op; both give gradients to the knots and values);
/// <see cref="WithDecay"/> (A_bar = exp(delta A) by TorchSharp ops, then ApplyWithDecay vs
/// NaiveWithDecay); <see cref="AbarOnly"/> (that A_bar alone, fused side only).</summary>
public static class ScanBench
{
    public const string Apply = "Apply", PwlExp = "PWL exp", WithDecay = "WithDecay", AbarOnly = "Abar only";
    public const string Forward = "forward", ForwardBackward = "forward+backward";

    /// <summary>One cell; <see cref="NaiveMs"/> is NaN where no loop is timed, <see cref="MaxRelDiff"/>
    /// (max |y_fused - y_naive| / max |y_naive|, float32) is NaN on backward rows.</summary>
    public sealed record Row(string Shape, string Variant, string Pass, double FusedMs, double NaiveMs, double MaxRelDiff)
    {
        public double Speedup => NaiveMs / FusedMs;
    }

    public static IEnumerable<Row> Run(int bt, int l, int din, int n, int repeats, int naiveRepeats, IReadOnlyCollection<string> variants)
    {
        manual_seed(1);
        // Realistic magnitudes: delta = relu(.) in [0, ~0.5] with some exact zeros, A = -exp(A_log) in [-N, -1].
        using var u = randn(bt, l, din).requires_grad_();
        using var delta = (rand(bt, l, din) * 0.6 - 0.1).clamp_min(0).requires_grad_();
        using var A = (-arange(1, n + 1, dtype: float32).repeat(din, 1)).requires_grad_();
        using var B = randn(bt, l, n).requires_grad_();
        using var C = randn(bt, l, n).requires_grad_();
        using var D = ones(din).requires_grad_();
        var exp = PwlTable.Default(PwlFunction.Exp);
        using var knots = tensor(exp.Knots.Select(v => (float)v).ToArray()).requires_grad_();
        using var values = tensor(exp.Values.Select(v => (float)v).ToArray()).requires_grad_();
        using var dy = randn(bt, l, din);
        Tensor[] leaves = [u, delta, A, B, C, D, knots, values];
        string shape = $"Bt={bt} L={l} Din={din} N={n}";

        Tensor Fused() => SelectiveScan.Apply(u, delta, A, B, C, D);
        Tensor Naive() { var y = SelectiveScan.Naive(u, delta, A, B, C, D, null, out var h); h.Dispose(); return y; }
        Tensor FusedPwl() { var y = SelectiveScan.ApplyPwlExp(u, delta, A, B, C, D, knots, values, null, out var h); h.Dispose(); return y; }
        Tensor NaivePwl()
        {
            using var abar = PiecewiseLinear.Apply(delta.unsqueeze(-1) * A, knots, values, PwlFunction.Exp);
            var y = SelectiveScan.NaiveWithDecay(u, delta, abar, B, C, D, null, out var h); h.Dispose(); return y;
        }
        Tensor Abar() => (delta.unsqueeze(-1) * A).exp();
        Tensor FusedDecay() { using var abar = Abar(); var y = SelectiveScan.ApplyWithDecay(u, delta, abar, B, C, D, null, out var h); h.Dispose(); return y; }
        Tensor NaiveDecay() { using var abar = Abar(); var y = SelectiveScan.NaiveWithDecay(u, delta, abar, B, C, D, null, out var h); h.Dispose(); return y; }

        foreach (var (variant, fused, naive) in new[] { (Apply, (Func<Tensor>)Fused, (Func<Tensor>)Naive), (PwlExp, FusedPwl, NaivePwl), (WithDecay, FusedDecay, NaiveDecay) })
        {
            if (!variants.Contains(variant)) continue;
            double diff;
            using (no_grad())
            {
                using var yf = fused();
                using var yn = naive();
                diff = ((yf - yn).abs().max() / yn.abs().max()).item<float>();
                yield return new Row(shape, variant, Forward, Time(fused, null, repeats, leaves), Time(naive, null, naiveRepeats, leaves), diff);
            }
            yield return new Row(shape, variant, ForwardBackward, Time(fused, dy, repeats, leaves), Time(naive, dy, naiveRepeats, leaves), double.NaN);
        }

        // What the decay variant spends outside the scan: A_bar materialised by TorchSharp ops, and its backward.
        if (!variants.Contains(AbarOnly)) yield break;
        Tensor AbarSum() { using var abar = Abar(); return abar.sum(-1); }
        using (no_grad()) yield return new Row(shape, AbarOnly, Forward, Time(AbarSum, null, repeats, leaves), double.NaN, double.NaN);
        yield return new Row(shape, AbarOnly, ForwardBackward, Time(AbarSum, dy, repeats, leaves), double.NaN, double.NaN);
    }

    private static double Time(Func<Tensor> run, Tensor? dy, int repeats, Tensor[] leaves)
    {
        var times = new List<double>();
        for (int i = 0; i <= repeats; i++)                      // run 0 is the warm-up
        {
            foreach (var t in leaves) t.grad?.Dispose();
            foreach (var t in leaves) t.grad = null;
            GC.Collect();
            FinalizerGate.SafePoint();
            using var scope = NewDisposeScope();
            var sw = Stopwatch.StartNew();
            var y = run();
            if (dy is not null) y.backward([dy]);
            sw.Stop();
            if (i > 0) times.Add(sw.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        return times[times.Count / 2];
    }
}
