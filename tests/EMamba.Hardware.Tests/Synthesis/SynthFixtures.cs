using EMamba.Hardware.Synthesis;

namespace EMamba.Hardware.Tests.Synthesis;

/// <summary>The stored designs and tool outputs under Fixtures/synth (outputs of Debian's yosys 0.23 and
/// nextpnr-ice40 0.4 on those designs, copied from the cache entries of <see cref="SynthRealTests"/>).</summary>
internal static class SynthFixtures
{
    public static string Dir(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "synth", name);

    public static string Output(string name) => File.ReadAllText(Path.Combine(Dir("out"), name));

    public static YosysStat Stat(string name) => YosysStat.Parse(Output(name));

    /// <summary>The real runs' cache: kept between test runs, so a rerun of the tests does not resynthesize.</summary>
    public static readonly string Cache = Path.Combine(Path.GetTempPath(), "emamba-synth-tests-cache");

    /// <summary>A fresh empty folder (deleted by the caller).</summary>
    public static string Temp()
    {
        string d = Path.Combine(Path.GetTempPath(), "emamba-synth-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        return d;
    }
}

/// <summary>A fact that needs yosys and nextpnr-ice40: skipped, with the reason, when either is not installed.</summary>
public sealed class NextpnrFactAttribute : FactAttribute
{
    public NextpnrFactAttribute()
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        foreach (var (tool, package) in new[] { ("yosys", "yosys"), ("nextpnr-ice40", "nextpnr-ice40") })
            if (!path.Any(p => File.Exists(Path.Combine(p, tool)))) { Skip = $"{tool} is not installed (Debian package {package})"; return; }
    }
}
