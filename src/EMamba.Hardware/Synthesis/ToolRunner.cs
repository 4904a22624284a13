using System.Collections.Concurrent;
using System.Diagnostics;

namespace EMamba.Hardware.Synthesis;

/// <summary>Finds and runs the synthesis tools: a missing tool names its Debian package, a run past its
/// timeout is killed (with its children) and says so, a failed run reports the first ERROR line of its log.</summary>
internal static class ToolRunner
{
    private static readonly ConcurrentDictionary<string, string> versions = new();

    /// <summary>The program's full path, or a <see cref="SynthesisException"/> naming the package that provides it.</summary>
    public static string Find(string exe, string package)
    {
        if (exe.Contains('/')) return File.Exists(exe) ? Path.GetFullPath(exe) : throw Missing(exe, package);
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        return path.Select(p => Path.Combine(p, exe)).FirstOrDefault(File.Exists) ?? throw Missing(exe, package);
    }

    private static SynthesisException Missing(string exe, string package) =>
        new($"{exe} was not found: install the Debian package '{package}' (build/setup.sh hw does)");

    /// <summary>The tool's version line (asked once per program per process: it is part of the cache key).</summary>
    public static string Version(string path, string flag) => versions.GetOrAdd(path, p =>
    {
        var (code, output) = Run(Path.GetTempPath(), p, [flag], TimeSpan.FromMinutes(1), log: null);
        string line = output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? "";
        return code == 0 && line.Length > 0 ? line : throw new SynthesisException($"{p} {flag} failed (exit {code}): {output.Trim()}");
    });

    /// <summary>Runs the tool in <paramref name="cwd"/>; throws unless it exits 0 within the timeout.</summary>
    public static void Check(string cwd, string exe, IReadOnlyList<string> args, TimeSpan timeout, string log)
    {
        string name = Path.GetFileName(exe);
        var (code, output) = Run(cwd, exe, args, timeout, log);
        if (code == 0) return;
        string? error = File.Exists(log) ? File.ReadLines(log).Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("ERROR:", StringComparison.Ordinal)) : null;
        error ??= output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("ERROR:", StringComparison.Ordinal)) ?? Tail(output);
        throw new SynthesisException($"{name} failed (exit {code}): {error} (log: {log})");
    }

    private static (int Code, string Output) Run(string cwd, string exe, IReadOnlyList<string> args, TimeSpan timeout, string? log)
    {
        var psi = new ProcessStartInfo(exe) { WorkingDirectory = cwd, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new SynthesisException($"{exe} did not start");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            throw new SynthesisException($"{Path.GetFileName(exe)} timed out after {timeout.TotalSeconds:0.###} s and was stopped" + (log != null ? $" (log so far: {log})" : ""));
        }
        p.WaitForExit();   // drains the redirected streams
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    private static string Tail(string s)
    {
        s = s.Trim();
        return s.Length <= 2000 ? s : "..." + s[^2000..];
    }
}
