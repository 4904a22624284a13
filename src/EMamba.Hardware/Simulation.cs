using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace EMamba.Hardware;

/// <summary>The two RTL simulators co-simulation runs in.</summary>
public enum Simulator { Verilator, Icarus }

/// <summary>A built simulation of one design in one simulator: the folder holds the design and the
/// build products; runs execute in it (the ROM paths are relative).</summary>
public sealed record SimBuild(Simulator Simulator, string Dir, bool Cached);

/// <summary>One sample's results from the testbench: outputs, cycles, and every tapped write.</summary>
public sealed record SimSample(long[] Outputs, long Cycles, IReadOnlyList<TapWrite> Writes);

/// <summary>A tapped tensor write: Trace's name, the token, the flat index and the code.</summary>
public readonly record struct TapWrite(string Name, int Token, int Index, long Value);

/// <summary>Builds a design with verilator (--binary) or icarus (iverilog / vvp), caching the build per
/// design hash (which covers the model and the config: a rerun does not rebuild), and runs samples.</summary>
public static class Simulation
{
    public const string Marker = "built.ok";

    /// <summary>The program a simulator needs on PATH, or null when it is absent.</summary>
    public static string? Missing(Simulator s)
    {
        string[] tools = s == Simulator.Verilator ? ["verilator", "make", "g++"] : ["iverilog", "vvp"];
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        return tools.FirstOrDefault(t => !path.Any(p => File.Exists(Path.Combine(p, t))));
    }

    /// <summary>Default cache: $XDG_CACHE_HOME/emamba/hw or ~/.cache/emamba/hw.</summary>
    public static string DefaultCache()
    {
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string root = !string.IsNullOrEmpty(xdg) ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "emamba", "hw");
    }

    public static SimBuild Build(Design d, Simulator s, string? cache = null)
    {
        if (Missing(s) is { } tool) throw new InvalidOperationException($"{tool} is not on PATH: install the '{(s == Simulator.Verilator ? "verilator" : "iverilog")}' package (build/setup.sh test does)");
        string dir = Path.Combine(cache ?? DefaultCache(), $"{s.ToString().ToLowerInvariant()}-{d.Hash}");
        if (File.Exists(Path.Combine(dir, Marker))) return new SimBuild(s, dir, true);
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);   // an interrupted build
        Directory.CreateDirectory(Path.GetDirectoryName(dir)!);
        string tmp = dir + ".tmp-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..8];
        d.WriteTo(tmp);
        try
        {
            var src = d.Sources.Append(Design.TestbenchFile).ToList();
            if (s == Simulator.Verilator)
                Exec(tmp, "verilator", ["--binary", .. RtlGenerator.VerilatorFlags, "-j", "2", "-Wno-fatal", "-O1", "--top-module", Design.Testbench, "-o", "V" + Design.Testbench, .. src]);
            else
                Exec(tmp, "iverilog", [.. RtlGenerator.IcarusFlags, "-o", Design.Testbench + ".vvp", "-s", Design.Testbench, .. src]);
            File.WriteAllText(Path.Combine(tmp, Marker), d.Hash + "\n");
            try { Directory.Move(tmp, dir); }
            catch (IOException) when (File.Exists(Path.Combine(dir, Marker))) { return new SimBuild(s, dir, true); }   // another process built it meanwhile
        }
        finally { if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true); }
        return new SimBuild(s, dir, false);
    }

    /// <summary>Runs the samples (input codes, (C, H, W) each) through the built testbench.</summary>
    /// <param name="stallPercent">how often (0..99 %) the testbench's source withholds a beat and its sink refuses one:
    /// the outputs must not change, the cycles then exceed the cycle model (which assumes 0)</param>
    public static List<SimSample> Run(SimBuild b, IReadOnlyList<long[]> inputs, bool taps, int stallPercent = 0)
    {
        string work = Path.Combine(Path.GetTempPath(), "emamba-hwsim-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            string inPath = Path.Combine(work, "input.txt"), outPath = Path.Combine(work, "out.txt");
            var sb = new StringBuilder();
            foreach (var x in inputs) foreach (long v in x) sb.Append(v.ToString(CultureInfo.InvariantCulture)).Append('\n');
            File.WriteAllText(inPath, sb.ToString());
            string[] args = [$"+in={inPath}", $"+out={outPath}", $"+samples={inputs.Count}", $"+taps={(taps ? 1 : 0)}", $"+stall={Math.Clamp(stallPercent, 0, 99)}"];
            if (b.Simulator == Simulator.Verilator) Exec(b.Dir, Path.Combine(b.Dir, "obj_dir", "V" + Design.Testbench), args);
            else Exec(b.Dir, "vvp", ["-n", Design.Testbench + ".vvp", .. args]);
            var res = Parse(File.ReadAllLines(outPath));
            if (res.Count != inputs.Count) throw new InvalidOperationException($"the testbench reported {res.Count} samples of {inputs.Count}");
            return res;
        }
        finally { Directory.Delete(work, recursive: true); }
    }

    internal static List<SimSample> Parse(IEnumerable<string> lines)
    {
        var res = new List<SimSample>();
        List<long>? outs = null; List<TapWrite>? writes = null;
        long L(string s) => long.Parse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        foreach (var line in lines)
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length == 0) continue;
            switch (f[0])
            {
                case "S": outs = []; writes = []; break;
                case "T" when writes != null && f.Length == 5: writes.Add(new TapWrite(f[1], (int)L(f[2]), (int)L(f[3]), L(f[4]))); break;
                case "O" when outs != null && f.Length == 3:
                    if (L(f[1]) != outs.Count) throw new InvalidOperationException($"testbench output out of order: '{line}'");
                    outs.Add(L(f[2])); break;
                case "C" when outs != null && f.Length == 2: res.Add(new SimSample([.. outs], L(f[1]), writes!)); outs = null; break;
                default: throw new InvalidOperationException($"unexpected testbench line '{line}'");
            }
        }
        return res;
    }

    internal static string Exec(string cwd, string exe, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(exe) { WorkingDirectory = cwd, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"{exe} did not start");
        var err = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        string all = stdout + err.Result;
        if (p.ExitCode != 0) throw new InvalidOperationException($"{exe} failed (exit {p.ExitCode}) in {cwd}:\n{Tail(all)}");
        return all;
    }

    private static string Tail(string s) => s.Length <= 4000 ? s : "..." + s[^4000..];
}
