using System.Diagnostics;
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
        string shape = $"Bt={bt} L={l} Din={din} N={n}";
        double Time(bool backward, bool naive)
        {
            var times = new List<double>();
            for (int i = 0; i < repeats + 1; i++)
            {
                using var scope = NewDisposeScope();
                var sw = Stopwatch.StartNew();
                var y = naive ? SelectiveScan.Naive(u, delta, A, B, C, D, null, out _) : SelectiveScan.Apply(u, delta, A, B, C, D);
                if (backward) y.sum().backward();
                if (i > 0) times.Add(sw.Elapsed.TotalMilliseconds);   // the first run is warm-up
            }
            times.Sort();
            return times[times.Count / 2];
        }
        using (no_grad()) yield return new Row(shape, "forward", Time(false, false), Time(false, true));
        yield return new Row(shape, "forward+backward", Time(true, false), Time(true, true));
    }
}
