using System.Text.Json;
using System.Text.Json.Serialization;
using EMamba.Core;

namespace EMamba.Hardware;

/// <summary>The accelerator's settings (docs/hardware.md, "Config"): JSON with snake_case keys, every
/// key optional (the defaults are here), validated on load with every problem listed.</summary>
public sealed record AcceleratorConfig
{
    /// <summary>Multiply-accumulates per cycle of each linear unit (a row takes ceil(In / lanes) + 1 cycles).</summary>
    public int LinearLanes { get; init; } = 4;
    /// <summary>The clock the design is meant to meet, for latency figures (the generator does not time paths).</summary>
    public double ClockMhz { get; init; } = 100;
    /// <summary>The Verilog name of the generated top module.</summary>
    public string TopName { get; init; } = "emamba_top";

    public const int MaxLanes = 256;

    public List<string> Problems()
    {
        var p = new List<string>();
        if (LinearLanes < 1 || LinearLanes > MaxLanes) p.Add($"linear_lanes = {LinearLanes}: must be 1..{MaxLanes}");
        if (!(ClockMhz > 0 && ClockMhz <= 5000)) p.Add($"clock_mhz = {ClockMhz}: must be in (0, 5000]");
        if (!IsIdentifier(TopName)) p.Add($"top_name = '{TopName}': must be a Verilog identifier (a letter or _, then letters, digits, _), at most 64 characters, not starting with 'em_'");
        return p;
    }

    private static bool IsIdentifier(string s) => s.Length is > 0 and <= 64 && (char.IsAsciiLetter(s[0]) || s[0] == '_')
        && s.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') && !s.StartsWith("em_", StringComparison.Ordinal) && s != "tb";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>The config as JSON; its bytes are part of the simulator cache key.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static AcceleratorConfig Parse(string json, string source)
    {
        AcceleratorConfig? c;
        try { c = JsonSerializer.Deserialize<AcceleratorConfig>(json, Json); }
        catch (JsonException e) { throw new ConfigException(source, [e.Message]); }
        if (c is null) throw new ConfigException(source, ["the file holds no accelerator config object"]);
        if (c.Problems() is { Count: > 0 } probs) throw new ConfigException(source, probs);
        return c;
    }

    public static AcceleratorConfig Load(string path) => Parse(UserFile.ReadAllText(path), path);

    /// <summary>The defaults, checked the same way a file is (a default that fails its own check is a bug).</summary>
    public AcceleratorConfig Validated()
    {
        if (Problems() is { Count: > 0 } probs) throw new ConfigException("accelerator config", probs);
        return this;
    }
}
