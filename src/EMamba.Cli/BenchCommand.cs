using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EMamba.Core;
using EMamba.Training;
using Spectre.Console;
using EMamba.Reports;
using EMamba.Training.Scan;

namespace EMamba.Cli;

/// <summary><c>emamba bench train</c>: training throughput of this toolchain against PyTorch on the
/// same model, shapes and batch, in one run on one machine.</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config") { Description = "Preset or config file.", DefaultValueFactory = _ => "fmnist-base" };
        var steps = new Option<int>("--steps") { Description = "Timed training steps per contender.", DefaultValueFactory = _ => 20 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed warm-up steps.", DefaultValueFactory = _ => 3 };
        var batch = new Option<int?>("--batch-size") { Description = "Batch size (default: the config's)." };
        var threads = new Option<int?>("--threads") { Description = "Threads for both contenders (default: all cores)." };
        var python = new Option<string>("--python") { Description = "Python with torch for the peer.", DefaultValueFactory = _ => "/usr/bin/python3" };
        var noNaive = new Option<bool>("--skip-naive") { Description = "Skip the TorchSharp naive-scan contender." };
        var withIndex = new Option<bool>("--with-index") { Description = "Also time the mamba-minimal-style PyTorch scan (index per step; minutes per step at batch 128)." };
        var train = new Command("train", "Training samples/s of eMamba.NET vs PyTorch (python3-torch, naive scan) on the same model.");
        foreach (var o in new Option[] { config, steps, warmup, batch, threads, python, noNaive, withIndex }) train.Options.Add(o);
        train.SetAction(r => App.Guard(_ =>
        {
            string cfgName = r.GetValue(config)!;
            var cfg = Presets.Resolve(cfgName);
            var m = cfg.Model;
            if (m.Head != Head.Classify) throw new EMambaException("bench train supports vision classification configs", ExitCodes.Usage);
            int bs = r.GetValue(batch) ?? cfg.Train.BatchSize, n = r.GetValue(steps), w = r.GetValue(warmup);
            int th = r.GetValue(threads) ?? Environment.ProcessorCount;
            if (bs < 1 || n < 1 || w < 0 || th < 1) throw new EMambaException("--batch-size, --steps and --threads must be >= 1, --warmup >= 0", ExitCodes.Usage);
            TorchSharp.torch.set_num_threads(th);
            var results = new List<TrainBench.Result>();
            App.Info($"bench: {cfgName}, batch {bs}, {n} timed steps after {w} warm-up, {th} threads");
            void Add(TrainBench.Result x) { results.Add(x); App.Info($"  {x.Name}: {x.SamplesPerSecond:F1} samples/s"); }
            Add(TrainBench.Run(m, bs, n, w, naiveScan: false));
            // The naive contenders are one to two orders slower: a few steps measure them well enough.
            if (!r.GetValue(noNaive)) Add(TrainBench.Run(m, bs, Math.Min(n, 3), Math.Min(w, 1), naiveScan: true));
            // Two PyTorch forms of the naive scan: the faster unbind one, and on request the mamba-minimal
            // one (index per step; its backward is quadratic in L, so it gets one step). Ratios are against the faster.
            Add(RunPyTorch(r.GetValue(python)!, "unbind", m, bs, n, w, th));
            if (r.GetValue(withIndex)) Add(RunPyTorch(r.GetValue(python)!, "index", m, bs, 1, 0, th));
            var peer = results.Where(x => x.Name.StartsWith("PyTorch")).MaxBy(x => x.SamplesPerSecond)!;
            var table = new Table().AddColumn("contender").AddColumn(new TableColumn("samples/s").RightAligned())
                .AddColumn(new TableColumn("ms/step").RightAligned()).AddColumn(new TableColumn("vs fastest PyTorch").RightAligned())
                .AddColumn(new TableColumn("parameters").RightAligned()).AddColumn("BLAS");
            foreach (var x in results)
                table.AddRow(Markup.Escape(x.Name), $"{x.SamplesPerSecond:F1}", $"{x.StepMs:F1}",
                    $"{x.SamplesPerSecond / peer.SamplesPerSecond:F2}x", $"{x.Parameters:N0}", Markup.Escape(ShortBlas(x.Blas)));
            if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 140);   // saved output: no wrapped cells
            AnsiConsole.Write(table);
            // The full BLAS provenance of each contender (the table keeps the short name).
            foreach (var b in results.Select(x => (x.Name.StartsWith("PyTorch") ? "PyTorch" : "TorchSharp", x.Blas)).Distinct())
                Console.WriteLine($"BLAS, {b.Item1}: {b.Blas}");
            Console.WriteLine($"machine: {MachineInfo.Describe()}; date {DateTime.UtcNow:yyyy-MM-dd}");
            if (results[0].Parameters != peer.Parameters)
                Console.Error.WriteLine($"warning: parameter counts differ ({results[0].Parameters} vs {peer.Parameters}): the models are not identical");
            return ExitCodes.Ok;
        }));
        var cmd = new Command("bench", "Benchmarks that compare this toolchain with its peers on this machine.");
        cmd.Subcommands.Add(train);
        cmd.Subcommands.Add(Scan());
        cmd.Subcommands.Add(BenchEngineCommand.Create());
        return cmd;
    }

    private static Command Scan()
    {
        var repeats = new Option<int>("--repeats") { Description = "Timed runs per cell (median reported).", DefaultValueFactory = _ => 5 };
        var threads = new Option<int?>("--threads") { Description = "Threads (default: all cores)." };
        var scan = new Command("scan", "Fused selective scan (exact and PWL exp) vs the time-step loop of TorchSharp ops (fmnist-base shapes and a 256-step sequence). " +
                                       "The same benchmark as bench/EMamba.Bench scan (EMamba.Training.ScanBench).");
        scan.Options.Add(repeats); scan.Options.Add(threads);
        scan.SetAction(r => App.Guard(_ =>
        {
            int th = r.GetValue(threads) ?? Environment.ProcessorCount, rep = r.GetValue(repeats);
            if (th < 1 || rep < 1) throw new EMambaException("--threads and --repeats must be >= 1", ExitCodes.Usage);
            TorchSharp.torch.set_num_threads(th);
            var table = new Table().AddColumn("shape").AddColumn("exp").AddColumn("pass").AddColumn(new TableColumn("fused ms").RightAligned())
                .AddColumn(new TableColumn("naive ms").RightAligned()).AddColumn(new TableColumn("speed-up").RightAligned());
            foreach (var (bt, l, din, n) in new[] { (128, 49, 128, 16), (16, 256, 128, 16) })
                foreach (var row in ScanBench.Run(bt, l, din, n, rep, rep, [ScanBench.Apply, ScanBench.PwlExp]))
                {
                    string exp = row.Variant == ScanBench.PwlExp ? "PWL" : "exact";
                    App.Info($"  {row.Shape} {exp} {row.Pass}: fused {row.FusedMs:F1} ms, naive {row.NaiveMs:F1} ms");
                    table.AddRow(row.Shape, exp, row.Pass, $"{row.FusedMs:F1}", $"{row.NaiveMs:F1}", $"{row.Speedup:F1}x");
                }
            AnsiConsole.Write(table);
            Console.WriteLine($"machine: {MachineInfo.Describe()}; date {DateTime.UtcNow:yyyy-MM-dd}; {th} threads");
            return ExitCodes.Ok;
        }));
        return scan;
    }

    private static TrainBench.Result RunPyTorch(string python, string scan, ModelConfig m, int bs, int steps, int warmup, int threads)
    {
        string script = Path.Combine(AppContext.BaseDirectory, "bench", "pytorch", "mamba_train_bench.py");
        if (!File.Exists(script)) throw new EMambaException($"{script}: PyTorch peer script missing from the build output");
        var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { script, "--batch-size", $"{bs}", "--steps", $"{steps}", "--warmup", $"{warmup}", "--threads", $"{threads}",
                     "--channels", $"{m.InChannels}", "--height", $"{m.Height}", "--width", $"{m.Width}", "--patch", $"{m.Patch}",
                     "--d-model", $"{m.DModel}", "--expand", $"{m.Expand}", "--d-state", $"{m.DState}", "--n-layers", $"{m.NLayers}",
                     "--d-conv", $"{m.DConv}", "--classes", $"{m.NumOutputs}", "--scan", scan })
            psi.ArgumentList.Add(a);
        Process p;
        try { p = Process.Start(psi) ?? throw new EMambaException($"could not start {python}"); }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new EMambaException($"{python}: cannot run the PyTorch peer ({e.Message}); install it with: apt-get install -y python3-torch");
        }
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new EMambaException($"PyTorch peer failed (exit {p.ExitCode}); is python3-torch installed (apt-get install -y python3-torch)?\n{stderr.Result.Trim()}");
        using var doc = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]);
        var root = doc.RootElement;
        string blas = root.TryGetProperty("blas", out var b) ? $"{b.GetString()} ({root.GetProperty("blas_detail").GetString()})" : "not reported by the peer script";
        return new TrainBench.Result($"PyTorch {root.GetProperty("torch").GetString()}, naive scan ({scan}, {steps} steps)",
            root.GetProperty("samples_per_s").GetDouble(), root.GetProperty("step_ms").GetDouble(), root.GetProperty("params").GetInt64(), blas);
    }

    /// <summary>The BLAS name without its provenance, the text before " (": "OpenBLAS 0.3.21 pthread (torch
    /// BLAS_INFO=...)" gives "OpenBLAS 0.3.21 pthread", "MKL 2024.2 (libtorch 2.10.0.0 bundled, ...)" gives "MKL 2024.2".</summary>
    internal static string ShortBlas(string blas)
    {
        int paren = blas.IndexOf(" (", StringComparison.Ordinal);
        return paren > 0 ? blas[..paren] : blas;
    }
}
