namespace EMamba.Hardware.Synthesis;

/// <summary>The Generic target's gate-level netlist: the simple gates and flip-flops by yosys type, the memories'
/// bits (kept as memories, not flattened to flip-flops), and the ASIC area estimate from them.</summary>
public sealed record GenericUsage(IReadOnlyDictionary<string, long> Gates, long Flops, long Memories, long MemoryBits, AsicArea Area)
{
    public long LogicGates => Gates.Where(g => !AsicAreaTable.IsFlop(g.Key)).Sum(g => g.Value);

    public static GenericUsage Of(YosysStat s, AsicAreaTable table)
    {
        // $meminit / $memrd / $memwr are the ports of the unpacked memories, priced with their bits.
        var gates = s.Cells.Where(c => !c.Key.StartsWith("$mem", StringComparison.Ordinal)).ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal);
        long flops = gates.Where(g => AsicAreaTable.IsFlop(g.Key)).Sum(g => g.Value);
        return new GenericUsage(gates, flops, s.Memories, s.MemoryBits, table.Estimate(gates, s.MemoryBits));
    }
}
