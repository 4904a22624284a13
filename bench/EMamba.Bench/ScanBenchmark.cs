using System.Diagnostics;
using EMamba.Training;
using static TorchSharp.torch;

namespace EMamba.Bench;

/// <summary>Times the fused selective scan against the time-step loop of TorchSharp ops: forward alone
/// (no grad) and forward + backward, for the fused-exp variant (Apply vs Naive) and the
/// precomputed-decay variant (ApplyWithDecay vs NaiveWithDecay; both include computing Abar =
/// exp(delta*A) with TorchSharp ops, and its backward). Warm-up run, then the median of several.</summary>
internal static class ScanBenchmark
{
    private sealed record Row(string Shape, string Variant, string Pass, double FusedMs, double NaiveMs, double MaxRelDiff);

    public static void Run(int threads, int repeats, int naiveRepeats, bool quick)
    {
        set_num_threads(threads);
        Console.WriteLine($"selective scan benchmark: torch threads {get_num_threads()}, {Environment.ProcessorCount} cores, " +
                          $".NET {Environment.Version}, median of {repeats} (fused) / {naiveRepeats} (naive) runs after a warm-up");
        var shapes = new List<(int Bt, int L, int Din, int N)> { (128, 49, 128, 16) };   // fmnist-base
        if (!quick) shapes.Add((16, 1024, 128, 16));                                        // a long sequence
        var rows = new List<Row>();
        foreach (var (bt, l, din, n) in shapes)
            foreach (var row in Shape(bt, l, din, n, repeats, naiveRepeats))
            {
                Console.WriteLine($"  {row.Shape,-26} {row.Variant,-10} {row.Pass,-17} fused {row.FusedMs,8:F2} ms" + (double.IsNaN(row.NaiveMs) ? "" : $"  naive {row.NaiveMs,9:F1} ms"));
                Console.Out.Flush();
                rows.Add(row);
            }
        Console.WriteLine();
        Console.WriteLine("| shape | variant | pass | fused ms | naive ms | speed-up | max rel diff |");
        Console.WriteLine("|---|---|---|---:|---:|---:|---:|");
        foreach (var r in rows)
            Console.WriteLine($"| {r.Shape} | {r.Variant} | {r.Pass} | {r.FusedMs:F2} | {(double.IsNaN(r.NaiveMs) ? "-" : r.NaiveMs.ToString("F1"))} | " +
                              $"{(double.IsNaN(r.NaiveMs) ? "-" : (r.NaiveMs / r.FusedMs).ToString("F1") + "x")} | {(double.IsNaN(r.MaxRelDiff) ? "-" : r.MaxRelDiff.ToString("E1"))} |");
        Console.WriteLine();
        Console.WriteLine("Apply: u, delta, A, B, C, D -> y, exp inside the kernel. WithDecay: Abar = exp(delta * A) computed by TorchSharp ops");
        Console.WriteLine("(a tensor of Bt*L*Din*N floats, with its backward), then ApplyWithDecay / NaiveWithDecay; 'Abar only' times that part alone.");
        Console.WriteLine("max rel diff: max |y_fused - y_naive| / max |y_naive| (both float32).");
    }

    private static IEnumerable<Row> Shape(int bt, int l, int din, int n, int repeats, int naiveRepeats)
    {
        manual_seed(1);
        // Realistic magnitudes: delta = relu(.) in [0, ~0.5] with some exact zeros, A = -exp(A_log) in [-N, -1].
        using var u = randn(bt, l, din).requires_grad_();
        using var delta = (rand(bt, l, din) * 0.6 - 0.1).clamp_min(0).requires_grad_();
        using var A = (-arange(1, n + 1, dtype: float32).repeat(din, 1)).requires_grad_();
        using var B = randn(bt, l, n).requires_grad_();
        using var C = randn(bt, l, n).requires_grad_();
        using var D = ones(din).requires_grad_();
        using var dy = randn(bt, l, din);                 // the incoming gradient, contiguous as in training
        Tensor[] leaves = [u, delta, A, B, C, D];
        string shape = $"Bt={bt} L={l} Din={din} N={n}";

        Tensor Fused() => SelectiveScan.Apply(u, delta, A, B, C, D);
        Tensor Naive() { var y = SelectiveScan.Naive(u, delta, A, B, C, D, null, out var h); h.Dispose(); return y; }
        Tensor Abar() => (delta.unsqueeze(-1) * A).exp();
        Tensor FusedDecay() { using var abar = Abar(); var y = SelectiveScan.ApplyWithDecay(u, delta, abar, B, C, D, null, out var h); h.Dispose(); return y; }
        Tensor NaiveDecay() { using var abar = Abar(); var y = SelectiveScan.NaiveWithDecay(u, delta, abar, B, C, D, null, out var h); h.Dispose(); return y; }

        foreach (var (variant, fused, naive) in new[] { ("Apply", (Func<Tensor>)Fused, (Func<Tensor>)Naive), ("WithDecay", FusedDecay, NaiveDecay) })
        {
            double diff;
            using (no_grad())
            {
                using var yf = fused();
                using var yn = naive();
                diff = ((yf - yn).abs().max() / yn.abs().max()).item<float>();
                yield return new Row(shape, variant, "forward", Time(fused, null, repeats, leaves), Time(naive, null, naiveRepeats, leaves), diff);
            }
            yield return new Row(shape, variant, "forward+backward", Time(fused, dy, repeats, leaves), Time(naive, dy, naiveRepeats, leaves), double.NaN);
        }

        // What the decay variant spends outside the scan: Abar materialised by TorchSharp ops, and its backward.
        Tensor AbarOnly() { using var abar = Abar(); return abar.sum(-1); }
        using (no_grad()) yield return new Row(shape, "Abar only", "forward", Time(AbarOnly, null, repeats, leaves), double.NaN, double.NaN);
        yield return new Row(shape, "Abar only", "forward+backward", Time(AbarOnly, dy, repeats, leaves), double.NaN, double.NaN);
    }

    private static double Time(Func<Tensor> run, Tensor? dy, int repeats, Tensor[] leaves)
    {
        var times = new List<double>();
        for (int i = 0; i <= repeats; i++)                      // run 0 is the warm-up
        {
            foreach (var t in leaves) t.grad?.Dispose();
            foreach (var t in leaves) t.grad = null;
            GC.Collect();
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
