namespace EMamba.Hardware.Synthesis;

/// <summary>What an iCE40 part holds (Lattice's data sheets: HX8K 7,680 logic cells and 32 RAM4K; UP5K 5,280
/// logic cells, 30 RAM4K, 8 MAC16 and 4 SPRAM), and which of a synthesized design's counts exceed it, so that a
/// design too large for the part is named before nextpnr runs for minutes to say the same less clearly.</summary>
public static class Ice40Capacity
{
    public static (long Lut4, long Ram4k, long Mac16, long Spram) Of(Ice40Device d) => d switch
    {
        Ice40Device.Hx8k => (7680, 32, 0, 0),
        Ice40Device.Up5k => (5280, 30, 8, 4),
        _ => throw new ArgumentOutOfRangeException(nameof(d)),
    };

    /// <summary>Each resource yosys's cells overflow, as "N LUT4 of M (k.kx)"; empty when the design may fit
    /// (a LUT4 and a flip-flop share a logic cell, so placement can still fail on packing).</summary>
    public static List<string> Overflows(Ice40Device d, YosysStat s)
    {
        var cap = Of(d);
        long ram = s.Cells.Where(c => c.Key.StartsWith("SB_RAM40_4K", StringComparison.Ordinal)).Sum(c => c.Value);
        var o = new List<string>();
        void Check(string name, long used, long available)
        {
            if (used > available)
                o.Add(available == 0 ? $"{used:N0} {name} (the part has none)" : $"{used:N0} {name} of {available:N0} ({(double)used / available:0.#}x)");
        }
        Check("LUT4", s["SB_LUT4"], cap.Lut4);
        Check("RAM4K", ram, cap.Ram4k);
        Check("MAC16", s["SB_MAC16"], cap.Mac16);
        Check("SPRAM", s["SB_SPRAM256KA"], cap.Spram);
        return o;
    }
}
