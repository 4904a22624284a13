namespace EMamba.Hardware.Synthesis;

/// <summary>One synthesis as a flat record: yosys's cell counts and the target's reading of them (exactly one of
/// <see cref="Xcup"/>, <see cref="Ice40"/>, <see cref="Generic"/> is set). <see cref="Dir"/> holds the copied
/// design, the script, the logs and the tool outputs the record was parsed from.</summary>
public sealed record SynthResult(SynthTarget Target, string Top, string ToolVersion, YosysStat Cells,
    XcupUsage? Xcup, Ice40Usage? Ice40, GenericUsage? Generic, string Dir, bool Cached)
{
    public string YosysLog => Path.Combine(Dir, SynthCache.YosysLog);
}
