using EMamba.Training;
using static TorchSharp.torch;

namespace EMamba.Bench;

/// <summary><c>scan</c>: prints <see cref="ScanBench"/> (the library benchmark that <c>emamba bench scan</c>
/// also runs) with every variant, as a Markdown table: fused scan vs the time-step loop of TorchSharp ops,
/// plus the A_bar-only cost of the decay variant and the max relative difference of the outputs.</summary>
internal static class ScanReport
{
    public static void Run(int threads, int repeats, int naiveRepeats, bool quick)
    {
        set_num_threads(threads);
        Console.WriteLine($"selective scan benchmark: torch threads {get_num_threads()}, {Environment.ProcessorCount} cores, " +
                          $".NET {Environment.Version}, median of {repeats} (fused) / {naiveRepeats} (naive) runs after a warm-up");
        var shapes = new List<(int Bt, int L, int Din, int N)> { (128, 49, 128, 16) };   // fmnist-base
        if (!quick) shapes.Add((16, 1024, 128, 16));                                        // a long sequence
        var rows = new List<ScanBench.Row>();
        string[] variants = [ScanBench.Apply, ScanBench.PwlExp, ScanBench.WithDecay, ScanBench.AbarOnly];
        foreach (var (bt, l, din, n) in shapes)
            foreach (var row in ScanBench.Run(bt, l, din, n, repeats, naiveRepeats, variants))
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
                              $"{(double.IsNaN(r.NaiveMs) ? "-" : r.Speedup.ToString("F1") + "x")} | {(double.IsNaN(r.MaxRelDiff) ? "-" : r.MaxRelDiff.ToString("E1"))} |");
        Console.WriteLine();
        Console.WriteLine("Apply: u, delta, A, B, C, D -> y, exp inside the kernel. PWL exp: the kernel evaluates the PWL exp table; the loop gets");
        Console.WriteLine("A_bar = pwl(delta * A) from the PWL autograd op. WithDecay: A_bar = exp(delta * A) computed by TorchSharp ops (a tensor of");
        Console.WriteLine("Bt*L*Din*N floats, with its backward), then ApplyWithDecay / NaiveWithDecay; 'Abar only' times that part alone.");
        Console.WriteLine("max rel diff: max |y_fused - y_naive| / max |y_naive| (both float32).");
    }
}
