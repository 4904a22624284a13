using EMamba.Training.Scan;
using System.Diagnostics;
using System.Runtime.InteropServices;
using EMamba.Training;

namespace EMamba.Bench;

/// <summary>The design question of the scan's backward, measured on the kernel alone (raw buffers, no
/// autograd): recompute the states of each (batch, channel) in the backward (what the kernel does),
/// or store all Bt*Din*L*N states in the forward and read them back. Stored states are timed twice:
/// into a buffer kept from call to call (the best case, as a pool gives) and into a fresh allocation
/// per call (first-touch page faults included).</summary>
internal static unsafe class ScanStatesBenchmark
{
    public static void Run(int threads, int repeats)
    {
        Console.WriteLine($"scan states: recompute vs store, kernel only, {threads} threads, median of {repeats} runs after a warm-up");
        Console.WriteLine("| shape | states MB | forward ms | fwd+bwd recompute ms | fwd+bwd stored (kept buffer) ms | fwd+bwd stored (fresh buffer) ms |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var (bt, l, din, n) in new[] { (128, 49, 128, 16), (16, 1024, 128, 16), (1, 1024, 256, 16), (128, 49, 128, 8) })
        {
            var s = new SelectiveScanKernel.Dims(bt, l, din, n);
            var rng = new Random(1);
            var buffers = new List<IntPtr>();
            float* F(long count, Func<float> value)
            {
                var p = (float*)NativeMemory.AlignedAlloc((nuint)(count * 4), 64);
                for (long i = 0; i < count; i++) p[i] = value();
                buffers.Add((IntPtr)p);
                return p;
            }
            float R() => (float)(rng.NextDouble() * 2 - 1);
            long btl = (long)bt * l, states = btl * din * n;
            var p = new SelectiveScanKernel.Inputs
            {
                U = F(btl * din, R), Delta = F(btl * din, () => (float)rng.NextDouble() * 0.5f), A = F((long)din * n, () => -1 - 15 * (float)rng.NextDouble()),
                B = F(btl * n, R), C = F(btl * n, R), D = F(din, R),
            };
            float* y = F(btl * din, () => 0), hLast = F((long)bt * din * n, () => 0);
            var g = new SelectiveScanKernel.Grads
            {
                Dy = F(btl * din, R), U = F(btl * din, () => 0), Delta = F(btl * din, () => 0), A = F((long)din * n, () => 0),
                B = F(btl * n, () => 0), C = F(btl * n, () => 0), D = F(din, () => 0),
            };
            float* kept = F(states, () => 0);
            double Median(Action run)
            {
                var times = new List<double>();
                for (int i = 0; i <= repeats; i++)
                {
                    var sw = Stopwatch.StartNew();
                    run();
                    if (i > 0) times.Add(sw.Elapsed.TotalMilliseconds);
                }
                times.Sort();
                return times[times.Count / 2];
            }
            double fwd = Median(() => SelectiveScanKernel.Forward(s, p, y, hLast, threads));
            double recompute = Median(() => { SelectiveScanKernel.Forward(s, p, y, hLast, threads); SelectiveScanKernel.Backward(s, p, g, threads); });
            double storedKept = Median(() => { SelectiveScanKernel.Forward(s, p, y, hLast, threads, kept); SelectiveScanKernel.Backward(s, p, g, threads, kept); });
            double storedFresh = Median(() =>
            {
                var st = (float*)NativeMemory.AlignedAlloc((nuint)(states * 4), 64);
                SelectiveScanKernel.Forward(s, p, y, hLast, threads, st);
                SelectiveScanKernel.Backward(s, p, g, threads, st);
                NativeMemory.AlignedFree(st);
            });
            Console.WriteLine($"| Bt={bt} L={l} Din={din} N={n} | {states * 4 / 1e6:F0} | {fwd:F2} | {recompute:F2} | {storedKept:F2} | {storedFresh:F2} |");
            foreach (var b in buffers) NativeMemory.AlignedFree((void*)b);
        }
    }
}
