namespace EMamba.Hardware.Synthesis;

/// <summary>UltraScale+ resources from <c>synth_xilinx -family xcup</c>'s cells, beside the ZCU102's XCZU9EG
/// (274,080 LUTs, 548,160 FFs, 2,520 DSP48E2, 912 BRAM36, no URAM). yosys leaves a MAC's accumulator in
/// LUTs, carries and FFs where Vivado folds it into the DSP48E2, so the LUT and FF figures are an upper bound
/// (docs/synthesis.md measures by how much per MAC).</summary>
/// <param name="Luts">LUT1..LUT6 used as logic</param>
/// <param name="LutsAsMemory">LUTs used as distributed RAM or shift registers (RAM32M = 4, SRL16E = 1, ...)</param>
/// <param name="Muxf7">MUXF7 (two LUT6 into a 7-input function); likewise MUXF8, MUXF9</param>
/// <param name="Bram36">RAMB36E2 + RAMB18E2 / 2</param>
/// <param name="Carry8">CARRY8 chains, a CARRY4 (yosys 0.23 emits these for xcup too) counted as half of one</param>
/// <param name="Other">cells none of the above counts (constants, buffers), by type</param>
public sealed record XcupUsage(long Luts, long LutsAsMemory, long Muxf7, long Muxf8, long Muxf9, long Ffs, long Dsps,
    double Bram36, long Uram, double Carry8, IReadOnlyDictionary<string, long> Other)
{
    public const long ZcuLuts = 274_080, ZcuFfs = 548_160, ZcuDsps = 2_520, ZcuBram36 = 912;
    /// <summary>One CARRY8 per eight LUTs (a CLB's slice has 8 LUTs and one CARRY8).</summary>
    public const long ZcuCarry8 = ZcuLuts / 8;

    public long AllLuts => Luts + LutsAsMemory;
    public double LutPercent => 100.0 * AllLuts / ZcuLuts;
    public double FfPercent => 100.0 * Ffs / ZcuFfs;
    public double DspPercent => 100.0 * Dsps / ZcuDsps;
    public double Bram36Percent => 100.0 * Bram36 / ZcuBram36;
    public double Carry8Percent => 100.0 * Carry8 / ZcuCarry8;

    /// <summary>Whether the counts fit the ZCU102 (no URAM on the XCZU9EG).</summary>
    public bool FitsZcu102 => AllLuts <= ZcuLuts && Ffs <= ZcuFfs && Dsps <= ZcuDsps && Bram36 <= ZcuBram36 && Uram == 0 && Carry8 <= ZcuCarry8;

    /// <summary>LUTs per distributed-RAM / shift-register primitive (UltraScale Architecture CLB User Guide, UG574).</summary>
    private static readonly Dictionary<string, int> memoryLuts = new(StringComparer.Ordinal)
    {
        ["RAM32X1S"] = 1, ["RAM64X1S"] = 1, ["RAM128X1S"] = 2, ["RAM256X1S"] = 4, ["RAM512X1S"] = 8,
        ["RAM32X1D"] = 2, ["RAM64X1D"] = 2, ["RAM128X1D"] = 4, ["RAM256X1D"] = 8,
        ["RAM32M"] = 4, ["RAM64M"] = 4, ["RAM32M16"] = 8, ["RAM64M8"] = 8,
        ["SRL16E"] = 1, ["SRLC16E"] = 1, ["SRLC32E"] = 1,
    };

    private static readonly string[] ffs = ["FDRE", "FDSE", "FDCE", "FDPE"];

    public static XcupUsage Of(YosysStat s)
    {
        var other = new Dictionary<string, long>(StringComparer.Ordinal);
        long luts = 0, lutMem = 0;
        foreach (var (type, n) in s.Cells)
        {
            if (type.Length == 4 && type.StartsWith("LUT", StringComparison.Ordinal) && type[3] is >= '1' and <= '6') luts += n;
            else if (memoryLuts.TryGetValue(type, out int per)) lutMem += n * per;
            else if (!Counted(type)) other[type] = n;
        }
        return new XcupUsage(luts, lutMem, s["MUXF7"], s["MUXF8"], s["MUXF9"], ffs.Sum(t => s[t]), s["DSP48E2"],
            s["RAMB36E2"] + s["RAMB18E2"] / 2.0, s["URAM288"], s["CARRY8"] + s["CARRY4"] / 2.0, other);
    }

    private static bool Counted(string type) =>
        type is "MUXF7" or "MUXF8" or "MUXF9" or "DSP48E2" or "RAMB36E2" or "RAMB18E2" or "URAM288" or "CARRY8" or "CARRY4" || ffs.Contains(type);
}
