namespace EMamba.Hardware.Report;

/// <summary>The public MARS designs (the project's METHOD.md, "Public re-implementations" and the silicon), as their
/// authors state them: what each figure is and where it comes from.</summary>
public static class MarsPeers
{
    /// <summary>One published design; null where it publishes nothing.</summary>
    public sealed record Peer(string Name, string Basis, long? Cycles, double? ClockMhz, long? Luts, long? Dsps, long? Bram, double? AreaMm2, double? Milliwatts);

    public static readonly IReadOnlyList<Peer> All =
    [
        new("Bluespec design, Lattice ECP5", "measured by its authors: cycles simulated, LUT/DSP/BRAM and 101 MHz post-route", 15_792, 101, 44_898, 0, 49, null, null),
        new("Verilog design (hand-written, one fixed model)", "estimated by its authors (cycles only)", 2_600, null, null, null, null, null, null),
        new("eMamba chip, GF 22 nm, 0.8 V", "measured by its authors (silicon, 2025): 0.5913 x 0.5917 mm, total power", null, 100, null, null, null, 0.350, 13.49),
    ];
}
