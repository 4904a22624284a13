namespace EMamba.Hardware.Synthesis;

/// <summary>An ASIC area estimate: the cells' area at 45 nm, the logic and memory area at the table's node,
/// and the error band docs/synthesis.md claims around the total.</summary>
public sealed record AsicArea(double CellUm2At45, double LogicMm2, double MemoryMm2, double LowMm2, double HighMm2)
{
    public double TotalMm2 => LogicMm2 + MemoryMm2;
}

/// <summary>The cell-area table that turns the Generic target's gates and memory bits into mm² (docs/synthesis.md
/// gives every constant's source). Each yosys gate is priced as its X1 twin in the Nangate 45 nm Open Cell Library
/// (areas = the LEF's SIZE, width x 1.4 um row); the sum is scaled to 22 nm by the ratio of placement-site (gate)
/// pitch x metal-1 pitch (FreePDK45's 190 nm x 140 nm to the planar 22 nm SOI process's 100 nm x 80 nm) and divided
/// by a placement utilisation. Memory bits cost a 22 nm 6T bit cell times a periphery overhead.</summary>
public sealed record AsicAreaTable
{
    /// <summary>yosys gate -> (Nangate cell, um² at 45 nm).</summary>
    public static readonly IReadOnlyDictionary<string, (string Cell, double Um2)> Nangate45 = new Dictionary<string, (string, double)>(StringComparer.Ordinal)
    {
        ["$_NOT_"] = ("INV_X1", 0.532),
        ["$_NAND_"] = ("NAND2_X1", 0.798),
        ["$_NOR_"] = ("NOR2_X1", 0.798),
        ["$_AND_"] = ("AND2_X1", 1.064),
        ["$_OR_"] = ("OR2_X1", 1.064),
        ["$_XOR_"] = ("XOR2_X1", 1.596),
        ["$_XNOR_"] = ("XNOR2_X1", 1.596),
        ["$_MUX_"] = ("MUX2_X1", 1.862),
        ["$_AOI3_"] = ("AOI21_X1", 1.064),
        ["$_OAI3_"] = ("OAI21_X1", 1.064),
        ["$_AOI4_"] = ("AOI22_X1", 1.330),
        ["$_OAI4_"] = ("OAI22_X1", 1.330),
        ["$_DFF_P_"] = ("DFF_X1", 4.522),
        ["$_DFF_PP0_"] = ("DFFR_X1", 5.320),
        ["$_DFF_PP1_"] = ("DFFS_X1", 5.320),
    };

    /// <summary>(100 nm / 190 nm) x (80 nm / 140 nm): cell area follows gate pitch x track pitch at a fixed track count.</summary>
    public const double PitchScale22 = 100.0 / 190.0 * (80.0 / 140.0);

    public static readonly AsicAreaTable Node22 = new();

    /// <summary>Cell area at the node per cell area in the Nangate 45 nm library.</summary>
    public double LogicScale { get; init; } = PitchScale22;

    /// <summary>Standard-cell area / core area after placement.</summary>
    public double Utilisation { get; init; } = 0.7;

    /// <summary>One 6T SRAM bit cell at the node, um².</summary>
    public double BitCellUm2 { get; init; } = 0.11;

    /// <summary>Macro area / bit-cell array area (decoders, sense amplifiers, I/O).</summary>
    public double MemoryOverhead { get; init; } = 2.0;

    /// <summary>The claimed band: the true area lies within total / Band .. total x Band.</summary>
    public double Band { get; init; } = 2.0;

    public static bool IsFlop(string gate) => gate.StartsWith("$_DFF", StringComparison.Ordinal);

    public AsicArea Estimate(IReadOnlyDictionary<string, long> gates, long memoryBits)
    {
        var unknown = gates.Keys.Where(g => !Nangate45.ContainsKey(g)).ToList();
        if (unknown.Count > 0) throw new ArgumentException($"no area for gate type(s) {string.Join(", ", unknown)}: the Generic script maps only to {SynthScript.GenericGates}, NOT and D flip-flops");
        double um2At45 = gates.Sum(g => Nangate45[g.Key].Um2 * g.Value);
        double logic = um2At45 * LogicScale / Utilisation / 1e6;
        double memory = memoryBits * BitCellUm2 * MemoryOverhead / 1e6;
        return new AsicArea(um2At45, logic, memory, (logic + memory) / Band, (logic + memory) * Band);
    }
}
