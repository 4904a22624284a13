using System.Diagnostics;
using EMamba.Core;
using EMamba.Core.Approx;

namespace EMamba.Core.Tests;

/// <summary>A FIFO or /dev/zero given as a config, approx.json or model must fail at once with
/// "not a regular file", not block forever or run out of memory.</summary>
public sealed class NonRegularFileTests
{
    private static string Fifo()
    {
        string p = Path.Combine(Directory.CreateTempSubdirectory("fifo").FullName, "pipe.json");
        using var mk = Process.Start(new ProcessStartInfo("mkfifo", [p]) { UseShellExecute = false })!;
        mk.WaitForExit();
        Assert.Equal(0, mk.ExitCode);
        return p;
    }

    // Runs a load on another thread so a regression fails the test instead of hanging the suite.
    private static async Task<EMambaException> Fails(Action load)
    {
        var t = Task.Run(load);
        Assert.Same(t, await Task.WhenAny(t, Task.Delay(TimeSpan.FromSeconds(20))));   // did not block
        var e = Assert.IsType<EMambaException>(t.Exception?.InnerException, exactMatch: false);
        return e;
    }

    public static TheoryData<string> Readers => ["config", "approx", "model"];

    private static Action Load(string reader, string path) => reader switch
    {
        "config" => () => RunConfig.Load(path),
        "approx" => () => ApproxFile.Load(path),
        _ => () => SafetensorsFile.Read(path),
    };

    [Theory, MemberData(nameof(Readers))]
    public async Task AFifoIsRefused(string reader)
    {
        if (!OperatingSystem.IsLinux()) return;
        string p = Fifo();
        var e = await Fails(Load(reader, p));
        Assert.Equal($"{p}: not a regular file (a FIFO)", e.Message);
    }

    [Theory, MemberData(nameof(Readers))]
    public async Task DevZeroIsRefused(string reader)
    {
        if (!File.Exists("/dev/zero")) return;
        var e = await Fails(Load(reader, "/dev/zero"));
        Assert.Equal("/dev/zero: not a regular file (a character device)", e.Message);
    }

    [Fact]
    public void AConfigOverTheCapIsRefusedWithoutReadingItAll()
    {
        string p = Path.Combine(Directory.CreateTempSubdirectory("big").FullName, "big.json");
        using (var f = File.Create(p)) f.SetLength(UserFile.MaxTextBytes + 1);
        var e = Assert.Throws<EMambaException>(() => RunConfig.Load(p));
        Assert.Contains(p, e.Message);
        Assert.Contains("at most 16777216 bytes", e.Message);
        Assert.Equal(ExitCodes.BadConfig, e.ExitCode);
    }

    [Fact]
    public void AMissingConfigKeepsItsMessage()
    {
        var e = Assert.Throws<EMambaException>(() => RunConfig.Load("/nonexistent/cfg.json"));
        Assert.Equal("/nonexistent/cfg.json: config file not found", e.Message);
        Assert.Equal(ExitCodes.BadConfig, e.ExitCode);
    }
}
