using EMamba.Bench;

// Usage: dotnet run -c Release --project bench/EMamba.Bench -- <benchmark> [options]
//   scan          EMamba.Training.ScanBench (also behind `emamba bench scan`): the fused selective scan
//                 (SelectiveScan.Apply / ApplyPwlExp / ApplyWithDecay) against the time-step
//                 loop of TorchSharp ops (SelectiveScan.Naive / NaiveWithDecay), forward and forward+backward,
//                 all variants, as a Markdown table
//                 [--threads 2] [--repeats 7] [--naive-repeats 3] [--quick: the fmnist-base shape only]
//   scan-states   the kernel alone: recomputed vs stored states in the backward [--threads 2] [--repeats 7]
var argv = args.ToList();
if (argv.Count == 0 || argv[0] is "-h" or "--help")
{
    Console.WriteLine("usage: EMamba.Bench scan [--threads N] [--repeats N] [--naive-repeats N] [--quick]");
    Console.WriteLine("       EMamba.Bench scan-states [--threads N] [--repeats N]");
    return argv.Count == 0 ? 1 : 0;
}
int Opt(string name, int fallback)
{
    int i = argv.IndexOf(name);
    return i >= 0 && i + 1 < argv.Count && int.TryParse(argv[i + 1], out int v) && v > 0 ? v : fallback;
}
switch (argv[0])
{
    case "scan":
        ScanReport.Run(threads: Opt("--threads", 2), repeats: Opt("--repeats", 7), naiveRepeats: Opt("--naive-repeats", 3), quick: argv.Contains("--quick"));
        return 0;
    case "scan-states":
        ScanStatesBenchmark.Run(threads: Opt("--threads", 2), repeats: Opt("--repeats", 7));
        return 0;
    default:
        Console.Error.WriteLine($"unknown benchmark '{argv[0]}' (known: scan, scan-states)");
        return 1;
}
