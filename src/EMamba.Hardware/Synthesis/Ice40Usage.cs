namespace EMamba.Hardware.Synthesis;

/// <summary>iCE40 resources from <c>synth_ice40</c>'s cells and nextpnr-ice40's placement: LUT4s, flip-flops
/// (every SB_DFF* variant), carries, RAM4K blocks, MAC16 DSPs and SPRAMs (UP5K), and the routed Fmax.</summary>
/// <param name="Other">cells none of the above counts (I/O, global buffers, constants), by type</param>
/// <param name="Pnr">nextpnr's utilisation of the chosen device and the measured clocks</param>
public sealed record Ice40Usage(Ice40Device Device, long Lut4, long Ffs, long Carry, long Ram4k, long Mac16, long Spram,
    IReadOnlyDictionary<string, long> Other, NextpnrLog Pnr)
{
    public double? FmaxMhz => Pnr.FmaxMhz;

    public static Ice40Usage Of(Ice40Device device, YosysStat s, NextpnrLog pnr)
    {
        long ffs = 0, ram = 0;
        var other = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (type, n) in s.Cells)
        {
            if (type.StartsWith("SB_DFF", StringComparison.Ordinal)) ffs += n;
            else if (type.StartsWith("SB_RAM40_4K", StringComparison.Ordinal)) ram += n;   // SB_RAM40_4K, ..._4KNR, ..._4KNW, ..._4KNRNW
            else if (type is not ("SB_LUT4" or "SB_CARRY" or "SB_MAC16" or "SB_SPRAM256KA")) other[type] = n;
        }
        return new Ice40Usage(device, s["SB_LUT4"], ffs, s["SB_CARRY"], ram, s["SB_MAC16"], s["SB_SPRAM256KA"], other, pnr);
    }
}
