using System.Text.Json;
using System.Text.Json.Serialization;

namespace EMamba.Hardware.Report;

/// <summary>Every figure of <c>emamba hw report</c> as one record (report.json, snake_case; docs/cost.md, "Hardware
/// report"). Each section carries its <c>basis</c>: "measured ..." or "estimated (model, band ...)".</summary>
public sealed record HwReport
{
    public const string FormatTag = "emamba-hw-report/1";

    public string Format { get; init; } = FormatTag;
    public required string Model { get; init; }
    public required string ModelSha256 { get; init; }
    public required string Task { get; init; }
    public required AcceleratorConfig Config { get; init; }
    public required string Date { get; init; }
    public required string Machine { get; init; }
    public required string Command { get; init; }
    public required CyclesSection Cycles { get; init; }
    public required EnergySection Energy { get; init; }
    public required AreaSection Area { get; init; }
    public required EngineSection Engine { get; init; }
    /// <summary>The public MARS designs beside this one; null for other tasks.</summary>
    public IReadOnlyList<PeerRow>? MarsPeers { get; init; }
    public required BaselinesSection Baselines { get; init; }
    /// <summary>The PNGs beside report.md.</summary>
    public required IReadOnlyList<string> Figures { get; init; }

    public sealed record StageRow(string Stage, string Unit, bool PerToken, long CyclesPerToken, long StartsToken0, long EndsLastToken, double Busy);

    public sealed record CyclesSection(string Basis, long Total, long Analytical, double ClockMhz, double LatencyUs, double PerSecond,
        long InitiationInterval, string Bottleneck, long Fill, long Drain, IReadOnlyList<StageRow> Stages);

    public sealed record EnergyRow(string Unit, long Operations, double Picojoules, double Share);

    public sealed record EnergySection(string Basis, double NodeNm, double Volts, double Nanojoules, double Milliwatts, double PerSecond, IReadOnlyList<EnergyRow> Units);

    public sealed record ModelledArea(string Basis, int Multipliers, long MemoryBits, double AreaMm2, double NodeNm);

    public sealed record XcupRecord(long Luts, long Ffs, long Dsps, double Bram36, double Carry8, long ZcuLuts, long ZcuFfs, long ZcuDsps, long ZcuBram36, bool FitsZcu102);

    public sealed record GenericRecord(long LogicGates, long Flops, long MemoryBits, double LogicMm2, double MemoryMm2, double TotalMm2, double LowMm2, double HighMm2);

    public sealed record SynthRecord(string Basis, string Target, string Top, string ToolVersion, bool Cached, double Seconds, XcupRecord? Xcup, GenericRecord? Generic);

    public sealed record AreaSection(ModelledArea Modelled, SynthRecord? Synth);

    /// <summary>The integer engine on this CPU beside the accelerator; ratios are engine / accelerator.</summary>
    public sealed record EngineSection(string Basis, string EnergyBasis, string Path, int Frames, double LatencyUs, double PerSecond, double CpuWatts,
        double Microjoules, double LatencyRatio, double EnergyRatio);

    /// <summary>A published design; a figure it does not publish is null. Ratios are peer / ours.</summary>
    public sealed record PeerRow(string Name, string Basis, long? Cycles, double? ClockMhz, double? LatencyUs, long? Luts, long? Dsps, long? Bram,
        double? AreaMm2, double? Milliwatts, double? CyclesRatio, double? LatencyRatio, double? PowerRatio, double? AreaRatio);

    /// <summary>One design of the comparison; ratios are that design / eMamba (throughput: eMamba / that design).</summary>
    public sealed record BaselineRow(string Name, long Macs, int Multipliers, long Cycles, double LatencyUs, double PerSecond, double Nanojoules,
        double Milliwatts, double AreaMm2, double LatencyRatio, double ThroughputRatio, double EnergyRatio, double AreaRatio, double PowerRatio);

    public sealed record PaperRatioRow(string Figure, double Low, double High);

    public sealed record BaselinesSection(string Basis, IReadOnlyList<BaselineRow> Rows, IReadOnlyList<PaperRatioRow> Paper);

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,   // a file, not HTML: keep ' and + readable
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static HwReport FromJson(string json, string source)
    {
        try { return JsonSerializer.Deserialize<HwReport>(json, Json) ?? throw new JsonException("null"); }
        catch (JsonException e) { throw new EMamba.Core.EMambaException($"{source}: not a hardware report: {e.Message}", EMamba.Core.ExitCodes.BadInput, e); }
    }
}
