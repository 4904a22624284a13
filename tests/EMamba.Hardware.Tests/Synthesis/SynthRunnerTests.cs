using EMamba.Hardware.Synthesis;

namespace EMamba.Hardware.Tests.Synthesis;

/// <summary>The runner's cache and errors, driven by a stand-in yosys (a shell script that answers -V, counts its
/// runs and writes a stored stat report), so these run without yosys and in milliseconds.</summary>
public sealed class SynthRunnerTests : IDisposable
{
    private readonly string root = SynthFixtures.Temp();

    public void Dispose() => Directory.Delete(root, recursive: true);

    private string Counter => Path.Combine(root, "runs");

    private int Runs => File.Exists(Counter) ? File.ReadAllLines(Counter).Length : 0;

    /// <summary>A fake yosys: args are "-q -l LOG -s synth.ys", run in the entry's temporary folder.</summary>
    private string FakeYosys(string body)
    {
        string path = Path.Combine(root, "fake-yosys");
        File.WriteAllText(path, $"""
            #!/bin/sh
            if [ "$1" = "-V" ]; then echo "Yosys 0.23 (stand-in)"; exit 0; fi
            echo run >> '{Counter}'
            log="$3"
            {body}
            """);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private string Ok => FakeYosys($"cp '{Path.Combine(SynthFixtures.Dir("out"), "xcup-mac.stat.json")}' stat.json; echo 'End of script.' > \"$log\"");

    private SynthOptions Options(string yosys) => new() { Target = SynthTarget.Xcup, Cache = Path.Combine(root, "cache"), Yosys = yosys };

    private string CopyOfMac()
    {
        string dir = Path.Combine(root, "rtl");
        Directory.CreateDirectory(dir);
        File.Copy(Path.Combine(SynthFixtures.Dir("mac"), "mac.v"), Path.Combine(dir, "mac.v"), overwrite: true);
        return dir;
    }

    [Fact]
    public void ASecondRunReadsTheCacheWithoutCallingTheTool()
    {
        string rtl = CopyOfMac(), yosys = Ok;
        var first = Synthesizer.Run(rtl, "mac", Options(yosys));
        var second = Synthesizer.Run(rtl, "mac", Options(yosys));
        Assert.Equal(1, Runs);
        Assert.False(first.Cached);
        Assert.True(second.Cached);
        Assert.Equal(first.Dir, second.Dir);
        Assert.Equal((32L, 1L), (second.Xcup!.Luts, second.Xcup.Dsps));
        Assert.Equal("Yosys 0.23 (stand-in)", second.ToolVersion);
        foreach (var f in new[] { "mac.v", "synth.ys", "yosys.log", "stat.json", "synth.ok" }) Assert.True(File.Exists(Path.Combine(first.Dir, f)), f);
        Assert.Empty(Directory.GetDirectories(Path.Combine(root, "cache"), "*.tmp-*"));
    }

    [Fact]
    public void TheScriptReadsEveryVerilogFileButTheTestbenchAndAppliesTheOverrides()
    {
        string rtl = CopyOfMac();
        File.WriteAllText(Path.Combine(rtl, Design.TestbenchFile), "module tb; initial $finish; endmodule\n");
        Directory.CreateDirectory(Path.Combine(rtl, "rom"));
        File.WriteAllText(Path.Combine(rtl, "rom", "w.hex"), "01\n");
        var r = Synthesizer.Run(rtl, "mac", Options(Ok) with { Parameters = new Dictionary<string, string> { ["W"] = "16" } });
        string script = File.ReadAllText(Path.Combine(r.Dir, "synth.ys"));
        Assert.StartsWith("read_verilog -defer mac.v\nhierarchy -top mac -chparam W 16\nsynth_xilinx -family xcup", script);
        Assert.DoesNotContain("tb.v", script);
        Assert.True(File.Exists(Path.Combine(r.Dir, "rom", "w.hex")));   // ROM images are copied beside the design
    }

    [Fact]
    public void ChangedRtlOrParametersSynthesizeAgain()
    {
        string rtl = CopyOfMac(), yosys = Ok;
        string a = Synthesizer.Run(rtl, "mac", Options(yosys)).Dir;
        string b = Synthesizer.Run(rtl, "mac", Options(yosys) with { Parameters = new Dictionary<string, string> { ["W"] = "48" } }).Dir;
        File.AppendAllText(Path.Combine(rtl, "mac.v"), "// edited\n");
        string c = Synthesizer.Run(rtl, "mac", Options(yosys)).Dir;
        Assert.Equal(3, Runs);
        Assert.Equal(3, new[] { a, b, c }.Distinct().Count());
        Assert.Contains("-chparam W 48", File.ReadAllText(Path.Combine(b, "synth.ys")));
    }

    [Fact]
    public void AMissingToolNamesItsPackage()
    {
        var e = Assert.Throws<SynthesisException>(() => Synthesizer.Run(CopyOfMac(), "mac", Options("/nonexistent/yosys")));
        Assert.Contains("install the Debian package 'yosys'", e.Message);
        var p = Assert.Throws<SynthesisException>(() => Synthesizer.Run(CopyOfMac(), "mac", Options(Ok) with { Target = SynthTarget.Ice40, Nextpnr = "/nonexistent/nextpnr-ice40" }));
        Assert.Contains("install the Debian package 'nextpnr-ice40'", p.Message);
        Assert.Equal(0, Runs);
    }

    [Fact]
    public void AFailedRunReportsItsFirstErrorLineAndKeepsTheLog()
    {
        string yosys = FakeYosys("printf 'Parsing mac.v\\nERROR: syntax error, unexpected ;\\nERROR: second\\n' > \"$log\"; exit 1");
        var e = Assert.Throws<SynthesisException>(() => Synthesizer.Run(CopyOfMac(), "mac", Options(yosys)));
        Assert.Contains("yosys failed (exit 1): ERROR: syntax error, unexpected ;", e.Message);
        Assert.DoesNotContain("second", e.Message);
        string log = e.Message[(e.Message.LastIndexOf("(log: ", StringComparison.Ordinal) + 6)..^1];
        Assert.Contains("ERROR: second", File.ReadAllText(log));
        Assert.Empty(Directory.GetDirectories(Path.Combine(root, "cache")));   // no entry, no leftover temporary folder
    }

    [Fact]
    public void ARunPastItsTimeoutIsStoppedAndSaysSo()
    {
        var started = DateTime.UtcNow;
        var e = Assert.Throws<SynthesisException>(() => Synthesizer.Run(CopyOfMac(), "mac", Options(FakeYosys("sleep 30")) with { Timeout = TimeSpan.FromMilliseconds(300) }));
        Assert.Contains("timed out after 0.3 s", e.Message);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(20));
    }

    [Fact]
    public void BadNamesAndEmptyFoldersAreRefused()
    {
        string rtl = CopyOfMac();
        Assert.Throws<ArgumentException>(() => Synthesizer.Run(rtl, "mac; shell", Options(Ok)));
        Assert.Throws<ArgumentException>(() => Synthesizer.Run(rtl, "mac", Options(Ok) with { Parameters = new Dictionary<string, string> { ["W"] = "1; tee x" } }));
        string empty = Path.Combine(root, "empty");
        Directory.CreateDirectory(empty);
        Assert.Contains("no Verilog files", Assert.Throws<SynthesisException>(() => Synthesizer.Run(empty, "mac", Options(Ok))).Message);
        Assert.Throws<DirectoryNotFoundException>(() => Synthesizer.Run(Path.Combine(root, "none"), "mac", Options(Ok)));
    }
}
