using System.Text.RegularExpressions;
using EMamba.Core.Integer;
using EMamba.Hardware.Synthesis;

namespace EMamba.Hardware.Cost;

/// <summary>A design's modelled cost (docs/cost.md, "Baselines"): cycles and energy per inference, area from its
/// multipliers and memory bits, at a clock. Estimated, not measured; the eMamba row's cycles are the RTL's.</summary>
public sealed record ArrayCost(string Name, long Macs, long Cycles, double Picojoules, int Multipliers, long MemoryBits, double AreaMm2, double ClockMhz)
{
    public double Microseconds => Cycles / ClockMhz;
    public double PerSecond => ClockMhz * 1e6 / Cycles;
    public double Nanojoules => Picojoules / 1000;
    public double Milliwatts => Picojoules * 1e-12 * PerSecond * 1e3;
}

/// <summary>The baselines on a comparable accelerator: one lanes x rows INT8 MAC array with as many multipliers as
/// the eMamba design has, running each layer as a matrix product (em_linear's schedule: per position
/// ceil(Out / rows) x ceil(In / lanes) cycles, 100 % of the array busy), layer after layer, with element-wise
/// work on vector lanes; priced with the same energy table and the same area constants as the eMamba design
/// (docs/synthesis.md). This favours the baselines: no stalls, no control, no softmax unit beyond a PWL.</summary>
public static partial class ArrayModel
{
    /// <summary>yosys's gate-level area of one 8 x 8 -> 32-bit MAC at 45 nm (docs/synthesis.md), the price of every multiplier here.</summary>
    public const double MacUm2At45 = 1265;

    private static double Area(int multipliers, long memoryBits, AsicAreaTable a) =>
        multipliers * MacUm2At45 * a.LogicScale / a.Utilisation / 1e6 + memoryBits * a.BitCellUm2 * a.MemoryOverhead / 1e6;

    public static ArrayCost Of(Workload w, int lanes, int rows, int vectorLanes, double clockMhz, EnergyTable e, AsicAreaTable a)
    {
        long cycles = 0; double pj = 0;
        long weightBytes = w.WeightCount, actBytes = w.ActivationPeak;
        foreach (var l in w.Layers)
        {
            long groups = Pipeline.Ceil(l.Out, rows);
            cycles += l.Positions * groups * Pipeline.Ceil(l.In, lanes);
            pj += l.Macs * (e.MulPj(8, 8) + e.AddPj(OpCounts.AccBits));
            pj += l.Macs * (l.Weights ? e.MemPj(8, weightBytes) : e.MemPj(8, actBytes));   // the second operand
            pj += l.Positions * l.In * groups * e.MemPj(8, actBytes);                     // inputs, once per row group
            pj += l.Positions * l.Out * (e.MulPj(OpCounts.AccBits, 16) + e.AddPj(OpCounts.AccBits) + e.MemPj(8, actBytes));   // requantize, write
        }
        cycles += (w.Elementwise + vectorLanes - 1) / vectorLanes;
        pj += w.Elementwise * (e.MulPj(9, 17) + 2 * e.AddPj(OpCounts.AccBits) + 2 * e.MemPj(8, actBytes));   // a PWL-priced op, read and write
        int mults = lanes * rows + vectorLanes;
        long bits = 8 * (weightBytes + actBytes);
        return new ArrayCost(w.Name, w.Macs, cycles, pj, mults, bits, Area(mults, bits, a), clockMhz);
    }

    /// <summary>The eMamba accelerator by the same rules: its cycles from the cycle model (= RTL), its energy from
    /// <see cref="EnergyModel"/>, its multipliers counted from the config and its memory bits from the generated
    /// design's ROM images and memories.</summary>
    public static ArrayCost EMamba(IntModel m, AcceleratorConfig c, Design d, EnergyTable e, AsicAreaTable a)
    {
        var energy = EnergyModel.Of(m, c, e);
        int mults = Multipliers(m, c);
        long bits = MemoryBits(m, c, d);
        return new ArrayCost("eMamba", Macs(m), energy.Cycles, energy.Picojoules, mults, bits, Area(mults, bits, a), c.ClockMhz);
    }

    /// <summary>The model's multiply-accumulates per inference in its linear layers, conv and scan.</summary>
    public static long Macs(IntModel m)
    {
        long t = m.Tokens, n = (long)m.Embed!.InFeatures * m.Embed.OutFeatures * t + (long)m.Head!.InFeatures * m.Head.OutFeatures;
        foreach (var b in m.Blocks)
            n += t * (new[] { b.InProj, b.XProj, b.DtProj, b.OutProj }.Sum(l => (long)l.InFeatures * l.OutFeatures)
                      + (long)b.DInner * b.Conv.Kernel + 3L * b.DInner * b.DState);
        return n;
    }

    /// <summary>Every multiplier of the generated units: linear lanes x rows, conv lanes x K, three per norm lane,
    /// five per scan PE (Delta a, A_bar h, Delta B, (Delta B) u, C h) and two per SSM lane (D u, the gate), one per PWL unit;
    /// the block units once per block, or once for all with shared blocks.</summary>
    public static int Multipliers(IntModel m, AcceleratorConfig c)
    {
        var built = BuiltBlocks(m, c);
        int linear = new[] { m.Embed!, m.Head! }.Concat(built.SelectMany(b => new[] { b.InProj, b.XProj, b.DtProj, b.OutProj }))
            .Sum(l => c.LinearLanes * c.RowsFor(l.InFeatures, l.OutFeatures));
        int pes = c.SsmLanes * c.StateLanes, perBlock = c.VectorLanes * m.Blocks[0].Conv.Kernel + 3 * c.VectorLanes + 5 * pes + 2 * c.SsmLanes
            + (m.Blocks[0].ConvSilu != null ? c.VectorLanes : 0) + c.ExpUnitsFor() + c.SsmLanes;
        return linear + built.Length * perBlock + 3 * c.VectorLanes;
    }

    /// <summary>The blocks that get their own units: every block unrolled, the first (standing for all) when shared.</summary>
    public static IntBlock[] BuiltBlocks(IntModel m, AcceleratorConfig c) => c.Blocks == BlockMode.Shared ? m.Blocks[..1] : m.Blocks;

    /// <summary>ROM bits (every rom/*.hex word at its width) plus the top's buffer memories, the scan states and the conv windows.</summary>
    public static long MemoryBits(IntModel m, AcceleratorConfig c, Design d)
    {
        long bits = 0;
        foreach (var (name, text) in d.Files.Where(f => f.Key.StartsWith("rom/", StringComparison.Ordinal)))
        {
            var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            bits += lines.Length == 0 ? 0 : lines.Length * 4L * lines[0].Length;
        }
        foreach (Match mm in Memory().Matches(d.Files[$"rtl/{d.Top}.v"]))
            bits += (long.Parse(mm.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) + 1) * (long.Parse(mm.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) + 1);
        foreach (var b in BuiltBlocks(m, c)) bits += (long)b.DInner * (b.DState * b.State.Bits + (b.Conv.Kernel - 1) * Widths.Of(b.Conv.In));
        return bits;
    }

    [GeneratedRegex(@"reg signed \[(\d+):0\] m_\w+ \[0:(\d+)\]")]
    private static partial Regex Memory();
}
