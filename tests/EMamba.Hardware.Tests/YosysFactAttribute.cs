namespace EMamba.Hardware.Tests;

/// <summary>A fact that needs yosys: skipped, with the reason, only when it is not installed.</summary>
public sealed class YosysFactAttribute : FactAttribute
{
    public YosysFactAttribute()
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        if (!path.Any(p => File.Exists(Path.Combine(p, "yosys")))) Skip = "yosys is not installed (Debian package yosys)";
    }
}
