using System.Text.RegularExpressions;

namespace EMamba.Hardware.Synthesis;

/// <summary>Synthesizes a folder of Verilog (every .v in it but the testbench, <see cref="Design.TestbenchFile"/>)
/// with yosys for one target, and for Ice40 places and routes it with nextpnr-ice40; returns the parsed record.
/// The run happens in a copy of the design inside the cache entry, with the script written beside it; a rerun with
/// the same inputs and tools returns the cached record without running the tools again.</summary>
public static partial class Synthesizer
{
    public static SynthResult Run(string rtlDir, string top, SynthOptions? options = null)
    {
        var o = options ?? new SynthOptions();
        if (!Directory.Exists(rtlDir)) throw new DirectoryNotFoundException($"no RTL folder '{rtlDir}'");
        if (!Identifier().IsMatch(top)) throw new ArgumentException($"'{top}' is not a Verilog module name", nameof(top));
        foreach (var (k, v) in o.Parameters)
            if (!Identifier().IsMatch(k) || v.Length == 0 || v.IndexOfAny([';', '\n', '\r', ' ']) >= 0)
                throw new ArgumentException($"parameter override '{k}' = '{v}' is not a name and a Verilog constant", nameof(options));

        var files = SynthCache.Inputs(rtlDir);
        var sources = files.Where(f => Path.GetExtension(f) is ".v" or ".sv" && f != Design.TestbenchFile).ToList();
        if (sources.Count == 0) throw new SynthesisException($"no Verilog files in '{rtlDir}'");

        string yosys = ToolRunner.Find(o.Yosys, "yosys");
        string? nextpnr = o.Target == SynthTarget.Ice40 ? ToolRunner.Find(o.Nextpnr, "nextpnr-ice40") : null;
        string yosysVersion = ToolRunner.Version(yosys, "-V");
        string script = SynthScript.Yosys(sources, top, o);
        List<string> versions = [yosysVersion];
        if (nextpnr != null) versions.AddRange([ToolRunner.Version(nextpnr, "--version"), string.Join(' ', SynthScript.Nextpnr(o, SynthCache.NextpnrLog))]);

        string root = Path.GetFullPath(o.Cache ?? Simulation.DefaultCache());
        string entry = Path.Combine(root, $"synth-{o.Target.ToString().ToLowerInvariant()}-{SynthCache.Key(rtlDir, files, top, o.Target, script, versions)}");
        if (File.Exists(Path.Combine(entry, SynthCache.Marker))) return Read(entry, top, o, yosysVersion, cached: true);
        if (Directory.Exists(entry)) Directory.Delete(entry, recursive: true);   // an interrupted publish
        Directory.CreateDirectory(root);

        string tmp = entry + ".tmp-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            foreach (var f in files)
            {
                string dst = Path.Combine(tmp, f);
                Directory.CreateDirectory(Path.GetDirectoryName(dst)!);
                File.Copy(Path.Combine(rtlDir, f), dst);
            }
            File.WriteAllText(Path.Combine(tmp, SynthCache.Script), script);
            // The logs are written beside the entry, not in the temporary folder, so a failure's log outlives it.
            string yosysLog = entry + "." + SynthCache.YosysLog;
            ToolRunner.Check(tmp, yosys, ["-q", "-l", yosysLog, "-s", SynthCache.Script], o.Timeout, yosysLog);
            File.Move(yosysLog, Path.Combine(tmp, SynthCache.YosysLog), overwrite: true);
            if (nextpnr != null)
            {
                var overflows = Ice40Capacity.Overflows(o.Device, YosysStat.Parse(File.ReadAllText(Path.Combine(tmp, SynthScript.StatJson))));
                if (overflows.Count > 0)
                    throw new SynthesisException($"{top} does not fit an iCE40 {o.Device.ToString().ToUpperInvariant()} by yosys's counts: {string.Join(", ", overflows)}; " +
                                                 "place and route skipped (a smaller accelerator config, or --target generic / xcup for its size)");
                string pnrLog = entry + "." + SynthCache.NextpnrLog;
                ToolRunner.Check(tmp, nextpnr, SynthScript.Nextpnr(o, pnrLog), o.Timeout, pnrLog);
                File.Move(pnrLog, Path.Combine(tmp, SynthCache.NextpnrLog), overwrite: true);
            }
            bool mine = SynthCache.Publish(tmp, entry);
            return Read(entry, top, o, yosysVersion, cached: !mine);
        }
        finally { if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true); }
    }

    /// <summary>Parses a finished entry's tool outputs into the record.</summary>
    private static SynthResult Read(string entry, string top, SynthOptions o, string version, bool cached)
    {
        var stat = YosysStat.Parse(File.ReadAllText(Path.Combine(entry, SynthScript.StatJson)));
        return o.Target switch
        {
            SynthTarget.Xcup => new SynthResult(o.Target, top, version, stat, XcupUsage.Of(stat), null, null, entry, cached),
            SynthTarget.Ice40 => new SynthResult(o.Target, top, version, stat, null,
                Ice40Usage.Of(o.Device, stat, NextpnrLog.Parse(File.ReadAllText(Path.Combine(entry, SynthCache.NextpnrLog)))), null, entry, cached),
            _ => new SynthResult(o.Target, top, version, stat, null, null, GenericUsage.Of(stat, AsicAreaTable.Node22), entry, cached),
        };
    }

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_$]*$")]
    private static partial Regex Identifier();
}
