using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EMamba.Core;
using EMamba.Engine;
using EMamba.Engine.Quantize;
using EMamba.Reports;
using EMamba.Training;
using Spectre.Console;

namespace EMamba.Cli;

/// <summary><c>emamba bench engine</c>: inference frames/s of the integer engine (fast and reference paths)
/// against TorchSharp FP32, ONNX Runtime FP32 and INT8 (QDQ) and PyTorch FP32 on the same eMamba model (random weights: speed does not depend
/// on them), with the arithmetic floor of each config. The measurements live in EngineBench (integer) and
/// InferenceBench (TorchSharp); this prints them.</summary>
public static class BenchEngineCommand
{
    private static readonly string[] DefaultConfigs = ["mars-paper", "fmnist-small", "fmnist-base", "cifar10-base"];

    private sealed record Line(string Config, string Contender, int Batch, int Threads, int Frames, double Fps, double Us, string Blas = "");

    public static Command Create()
    {
        var configs = new Option<string>("--configs") { Description = "Comma-separated presets or config files.", DefaultValueFactory = _ => string.Join(",", DefaultConfigs) };
        var threads = new Option<int?>("--threads") { Description = "Threads of the multithreaded contenders (default: all cores)." };
        var frames = new Option<int?>("--frames") { Description = "Frames timed at batch 1 (default 64; --quick 4)." };
        var batch = new Option<int?>("--batch-size") { Description = "Batch of the batched contenders (default 256; --quick 8)." };
        var quick = new Option<bool>("--quick") { Description = "A few frames per contender: checks the bench runs, its figures are rough." };
        var python = new Option<string>("--python") { Description = "Python with torch for the PyTorch peer.", DefaultValueFactory = _ => "/usr/bin/python3" };
        var noPy = new Option<bool>("--skip-pytorch") { Description = "Skip the PyTorch peer." };
        var cmd = new Command("engine", "Inference frames/s: integer engine (fast, reference) vs TorchSharp FP32, ONNX Runtime FP32 / INT8 (QDQ) and PyTorch FP32 on the same eMamba model, and the INT8 arithmetic floor.");
        foreach (var o in new Option[] { configs, threads, frames, batch, quick, python, noPy }) cmd.Options.Add(o);
        cmd.SetAction(r => App.Guard(_ =>
        {
            bool q = r.GetValue(quick);
            int th = TorchThreads.Check(r.GetValue(threads));
            int nf = r.GetValue(frames) ?? (q ? 4 : 64), bs = r.GetValue(batch) ?? (q ? 8 : 256), refFrames = q ? 1 : 3;
            if (nf < 1 || bs < 1) throw new EMambaException("--frames and --batch-size must be >= 1", ExitCodes.Usage);
            var names = r.GetValue(configs)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (names.Length == 0) throw new EMambaException("--configs names no config", ExitCodes.Usage);
            var peak = EngineBench.Int8Peak();
            var lines = new List<Line>();
            var floors = new List<string>();
            var blas = new SortedSet<string>();
            string? pyNote = r.GetValue(noPy) ? "PyTorch peer skipped (--skip-pytorch)" : null;
            App.Info($"bench engine: {string.Join(", ", names)}; batch 1 x {nf} frames, batch {bs}, {th} threads{(q ? " (quick)" : "")}");
            foreach (var name in names)
            {
                var cfg = RandomCheckpoint.EMambaOf(Presets.Resolve(name).Model);
                if (cfg.Head == Head.Lm) throw new EMambaException($"{name}: bench engine runs vision / radar configs (the language model has no fast path here)", ExitCodes.Usage);
                string dir = Directory.CreateTempSubdirectory("emamba-bench-engine-").FullName;
                try
                {
                    string ck = Path.Combine(dir, "model.safetensors");
                    RandomCheckpoint.Write(ck, cfg, 1);
                    var m = RandomModel.Quantized(cfg, 1, calib: q ? 2 : 8);   // the same seed: the same float weights as ck
                    void Add(Line l) { lines.Add(l); App.Info($"  {name}: {l.Contender}, batch {l.Batch}, {l.Threads} thr: {l.Fps:F1} frames/s"); }
                    foreach (var row in EngineBench.Run(m, nf, bs, th, refFrames))
                        Add(new Line(name, row.Contender, row.Batch, row.Threads, row.Frames, row.FramesPerSecond, row.UsPerFrame));
                    foreach (var (b, t, f) in new[] { (1, 1, nf), (bs, th, Math.Max(bs, nf)) })
                    {
                        var x = InferenceBench.Run(ck, b, f, t);
                        blas.Add($"TorchSharp: {x.Blas}");
                        Add(new Line(name, x.Name, b, t, x.Frames, x.FramesPerSecond, x.UsPerFrame, BenchCommand.ShortBlas(x.Blas)));
                    }
                    // ONNX Runtime FP32 and INT8 (QDQ) graphs of the same model (docs/onnx.md).
                    foreach (var row in EMamba.Onnx.OrtBench.Run(ck, m, nf, bs, th, dir))
                        Add(new Line(name, row.Contender, row.Batch, row.Threads, row.Frames, row.FramesPerSecond, row.UsPerFrame));
                    if (pyNote is null)
                        foreach (var (b, t, f) in new[] { (1, 1, nf), (bs, th, Math.Max(bs, nf)) })
                        {
                            if (RunPyTorch(r.GetValue(python)!, ck, b, f, t, out var pyLine, out var note) is { } detail)
                            {
                                blas.Add($"PyTorch: {detail}");
                                Add(pyLine! with { Config = name });
                            }
                            else { pyNote = note; break; }
                        }
                    long macs = EngineBench.MacsPerFrame(cfg);
                    double floorAll = macs / peak.MacsPerSecond * 1e6, floor1 = floorAll * peak.Cores;
                    var best1 = lines.Where(l => l.Config == name && l.Contender.Contains("fast") && l.Threads == 1).MinBy(l => l.Us)!;
                    var bestAll = lines.Where(l => l.Config == name && l.Contender.Contains("fast")).MinBy(l => l.Us)!;
                    floors.Add(string.Create(CultureInfo.InvariantCulture,
                        $"{name}: {macs / 1e6:F2} M MACs/frame; floor {floor1:F1} us/frame on 1 core, {floorAll:F1} us/frame on {peak.Cores}; " +
                        $"the engine's best is {best1.Us / floor1:F1}x the floor on 1 thread (batch {best1.Batch}), {bestAll.Us / floorAll:F1}x on {bestAll.Threads} (batch {bestAll.Batch})"));
                }
                finally { Directory.Delete(dir, true); }
            }
            var table = new Table().AddColumn("config").AddColumn("contender").AddColumn(new TableColumn("batch").RightAligned())
                .AddColumn(new TableColumn("threads").RightAligned()).AddColumn(new TableColumn("frames/s").RightAligned())
                .AddColumn(new TableColumn("us/frame").RightAligned()).AddColumn(new TableColumn("engine fast / this").RightAligned()).AddColumn("BLAS");
            foreach (var l in lines)
            {
                // The ratio is against the fast path at the same batch and threads (batch 1, 1 thread when it has no such row).
                var fast = lines.Where(e => e.Config == l.Config && e.Contender.Contains("fast"));
                var peer = fast.FirstOrDefault(e => e.Batch == l.Batch && e.Threads == l.Threads) ?? fast.First(e => e.Batch == 1);
                table.AddRow(l.Config, Markup.Escape(l.Contender), $"{l.Batch}", $"{l.Threads}", F(l.Fps, 1), F(l.Us, 1), F(peer.Fps / l.Fps, 2) + "x", Markup.Escape(l.Blas));
            }
            if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 160);
            AnsiConsole.Write(table);
            Console.WriteLine($"arithmetic floor, {peak.How}");
            foreach (var f in floors) Console.WriteLine("  " + f);
            Console.WriteLine("the fast path's dot products are int16 vpmaddwd (.NET 10 exposes no 512-bit VNNI for AVX512-VNNI CPUs), 32 MACs per zmm instruction, half the int8 peak's rate");
            foreach (var b in blas) Console.WriteLine($"BLAS, {b}");
            if (pyNote != null) Console.WriteLine($"note: {pyNote}");
            Console.WriteLine($"machine: {MachineInfo.Describe()}; date {DateTime.UtcNow:yyyy-MM-dd}");
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    private static string F(double v, int digits) => v.ToString("F" + digits, CultureInfo.InvariantCulture);

    // The PyTorch peer (bench/pytorch/infer_mamba.py); null with a note when python3-torch is absent.
    private static string? RunPyTorch(string python, string ck, int batch, int frames, int threads, out Line? line, out string note)
    {
        line = null; note = "";
        string script = Path.Combine(AppContext.BaseDirectory, "bench", "pytorch", "infer_mamba.py");
        if (!File.Exists(script)) throw new EMambaException($"{script}: PyTorch peer script missing from the build output");
        var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { script, "--model", ck, "--batch-size", $"{batch}", "--frames", $"{frames}", "--threads", $"{threads}" }) psi.ArgumentList.Add(a);
        Process p;
        try { p = Process.Start(psi) ?? throw new EMambaException($"could not start {python}"); }
        catch (System.ComponentModel.Win32Exception e)
        {
            note = $"PyTorch peer skipped: {python} cannot run ({e.Message}); install it with build/setup.sh bench (apt-get install -y python3-torch)";
            return null;
        }
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            string err = stderr.Result.Trim();
            if (err.Contains("No module named 'torch'", StringComparison.Ordinal))
            {
                note = $"PyTorch peer skipped: {python} has no torch; install it with build/setup.sh bench (apt-get install -y python3-torch)";
                return null;
            }
            throw new EMambaException($"PyTorch peer failed (exit {p.ExitCode}):\n{err}");
        }
        using var doc = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]);
        var root = doc.RootElement;
        string blas = $"{root.GetProperty("blas").GetString()} ({root.GetProperty("blas_detail").GetString()})";
        line = new Line("", $"PyTorch {root.GetProperty("torch").GetString()} FP32 (no_grad)", batch, threads, root.GetProperty("frames").GetInt32(),
            root.GetProperty("frames_per_s").GetDouble(), root.GetProperty("us_per_frame").GetDouble(), BenchCommand.ShortBlas(blas));
        return blas;
    }
}
