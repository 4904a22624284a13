using System.Text.Json;
using System.Text.Json.Serialization;
using EMamba.Core;

namespace EMamba.Hardware;

/// <summary>The accelerator's settings (docs/hardware.md, "Config"): JSON with snake_case keys, every
/// key optional (the defaults are here), validated on load with every problem listed.</summary>
public sealed record AcceleratorConfig
{
    /// <summary>Input columns each linear unit reads per cycle (the inner dimension of its MAC array).</summary>
    public int LinearLanes { get; init; } = 4;
    /// <summary>Output rows each linear unit computes at once: a layer takes ceil(Out / rows) x ceil(In / lanes)
    /// cycles on a lanes x rows MAC array.</summary>
    public int LinearRows { get; init; } = 8;
    /// <summary>When above 0, each linear unit gets its own row count instead of <see cref="LinearRows"/>: the fewest
    /// rows that bring its cycles per token to this interval or below (hls4ml's reuse factor, per layer), so
    /// that no projection is the bottleneck by its size alone.</summary>
    public int LinearInterval { get; init; }
    /// <summary>Elements per cycle of the range norms, the conv (channels) and the element-wise ops fused into them.</summary>
    public int VectorLanes { get; init; } = 4;
    /// <summary>Channels the scan updates in parallel.</summary>
    public int SsmLanes { get; init; } = 4;
    /// <summary>State indices per channel the scan updates in parallel (SSM lanes x state lanes PEs; their PWL exp units: <see cref="ExpUnits"/>).</summary>
    public int StateLanes { get; init; } = 2;
    /// <summary>PWL exp units the scan's PEs share: 0 gives each PE its own; fewer take ceil(PEs / units) cycles per
    /// state group, a PE updating only in its turn (the SiLU units stay one per vector lane and one per SSM lane).
    /// Left out of the JSON at its default, as <see cref="NormReciprocal"/> is.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int ExpUnits { get; init; }
    /// <summary>Codes per beat of the input and output streams.</summary>
    public int StreamLanes { get; init; } = 1;
    /// <summary>The clock the design is meant to meet, for latency figures (the generator does not time paths).</summary>
    public double ClockMhz { get; init; } = 100;
    /// <summary>How each range norm gets RECIP[r] (docs/integer.md §5): a ROM of 2^B entries (one cycle) or a
    /// restoring divider (one cycle per quotient bit, no ROM). Left out of the JSON at its default, so the
    /// simulator and synthesis caches of configs written before it stay valid.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public NormReciprocal NormReciprocal { get; init; } = NormReciprocal.Rom;
    /// <summary>Whether each block gets its own units (unrolled) or all blocks run in turn on one set (shared,
    /// layer-major, as the eMamba chip does). Left out of the JSON at its default, as <see cref="NormReciprocal"/> is.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public BlockMode Blocks { get; init; } = BlockMode.Unrolled;
    /// <summary>The Verilog name of the generated top module.</summary>
    public string TopName { get; init; } = "emamba_top";

    public const int MaxLanes = 256;
    public const int MaxMacs = 1024;

    /// <summary>The rows of the MAC array of a linear layer of <paramref name="inFeatures"/> -> <paramref name="outFeatures"/>.</summary>
    public int RowsFor(int inFeatures, int outFeatures)
    {
        if (LinearInterval <= 0) return LinearRows;
        int groups = (inFeatures + LinearLanes - 1) / LinearLanes;   // cycles per row group
        int rowGroups = Math.Max(1, LinearInterval / groups);         // row groups that fit the interval
        int rows = (outFeatures + rowGroups - 1) / rowGroups;
        return Math.Clamp(rows, 1, Math.Max(1, MaxMacs / LinearLanes));
    }

    /// <summary>The scan's exp units as built: <see cref="ExpUnits"/>, or one per PE when it is 0.</summary>
    public int ExpUnitsFor() => ExpUnits > 0 ? ExpUnits : SsmLanes * StateLanes;

    /// <summary>The same hardware written one way: exp units equal to the PE count become the default 0, so a sweep
    /// does not build and score one design twice.</summary>
    public AcceleratorConfig Canonical() => ExpUnits == SsmLanes * StateLanes ? this with { ExpUnits = 0 } : this;

    /// <summary>Cycles the scan spends on one state group: one per turn of the shared exp units.</summary>
    public int ScanPhases() => (SsmLanes * StateLanes + ExpUnitsFor() - 1) / ExpUnitsFor();

    /// <summary>The units in words, for console lines, reports and READMEs (the clock and top name apart).</summary>
    public string Summary() => (LinearInterval > 0
        ? $"linear units {LinearLanes} lanes, rows per layer for <= {LinearInterval} cycles per token"
        : $"linear units {LinearLanes} lanes x {LinearRows} rows") +
        $", vector lanes {VectorLanes}, scan {SsmLanes} x {StateLanes} PEs" + (ExpUnits > 0 ? $" sharing {ExpUnits} exp unit(s)" : "") + $", {StreamLanes} code(s) per stream beat" +
        (NormReciprocal == NormReciprocal.Divider ? ", range-norm reciprocals by divider" : "") +
        (Blocks == BlockMode.Shared ? ", blocks time-multiplexed on one set of units" : "");

    public List<string> Problems()
    {
        var p = new List<string>();
        foreach (var (v, key) in new[] { (LinearLanes, "linear_lanes"), (LinearRows, "linear_rows"), (VectorLanes, "vector_lanes"), (SsmLanes, "ssm_lanes"), (StateLanes, "state_lanes"), (StreamLanes, "stream_lanes") })
            if (v < 1 || v > MaxLanes) p.Add($"{key} = {v}: must be 1..{MaxLanes}");
        if (ExpUnits < 0 || ExpUnits > SsmLanes * StateLanes) p.Add($"exp_units = {ExpUnits}: must be 0 (one per scan PE) .. ssm_lanes x state_lanes = {SsmLanes * StateLanes}");
        if (LinearInterval < 0 || LinearInterval > 1_000_000) p.Add($"linear_interval = {LinearInterval}: must be 0 (off) .. 1000000 cycles");
        if (LinearLanes * LinearRows > MaxMacs) p.Add($"linear_lanes x linear_rows = {LinearLanes * LinearRows}: at most {MaxMacs} MACs per linear unit");
        if (SsmLanes * StateLanes > MaxMacs) p.Add($"ssm_lanes x state_lanes = {SsmLanes * StateLanes}: at most {MaxMacs} scan PEs");
        if (!(ClockMhz > 0 && ClockMhz <= 5000)) p.Add($"clock_mhz = {ClockMhz}: must be in (0, 5000]");
        if (!IsIdentifier(TopName)) p.Add($"top_name = '{TopName}': must be a Verilog identifier (a letter or _, then letters, digits, _), at most 64 characters, not starting with 'em_'");
        return p;
    }

    private static bool IsIdentifier(string s) => s.Length is > 0 and <= 64 && (char.IsAsciiLetter(s[0]) || s[0] == '_')
        && s.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') && !s.StartsWith("em_", StringComparison.Ordinal) && s != "tb";

    /// <summary>How configs are written and read: snake_case keys, enums by name; also for files that embed configs (a sweep's JSON).</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false) },
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
