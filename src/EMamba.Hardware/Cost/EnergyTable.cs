namespace EMamba.Hardware.Cost;

/// <summary>Energy per operation (docs/cost.md has every constant with its source). The 45 nm figures
/// are Horowitz, "Computing's energy problem", ISSCC 2014 (0.9 V): INT8 add 0.03 pJ, INT32 add 0.1 pJ,
/// INT8 multiply 0.2 pJ, INT32 multiply 3.1 pJ, a 64-bit read of an 8 KB SRAM 10 pJ (32 KB: 20 pJ,
/// 1 MB: 100 pJ). Between those points a multiply scales with the product of its operand widths
/// (the 8- and 32-bit figures agree with that to 3 %) and an add linearly with its width; a memory
/// access costs its share of a 64-bit word. Another node scales by (node / 45) x (V / 0.9)^2, the
/// first-order rule for dynamic CV^2 energy.</summary>
public sealed record EnergyTable(double NodeNm, double Volts)
{
    public const double HorowitzNm = 45, HorowitzVolts = 0.9;
    public const double Mul8Pj = 0.2, Mul32Pj = 3.1, Add8Pj = 0.03, Add32Pj = 0.1, Sram8KbPj = 10, Sram32KbPj = 20, Sram1MbPj = 100;

    /// <summary>The published chip's process and supply (GF 22 nm, 0.8 V).</summary>
    public static readonly EnergyTable Gf22 = new(22, 0.8);
    public static readonly EnergyTable Horowitz45 = new(HorowitzNm, HorowitzVolts);

    /// <summary>The factor from 45 nm / 0.9 V figures to this node and supply.</summary>
    public double Scale => NodeNm / HorowitzNm * (Volts / HorowitzVolts) * (Volts / HorowitzVolts);

    public double MulPj(int a, int b) => Scale * Mul8Pj * a * b / 64.0;

    public double AddPj(int bits) => Scale * (Add8Pj + (Add32Pj - Add8Pj) * (bits - 8) / 24.0);

    /// <summary>One access of <paramref name="bits"/> bits to a memory of <paramref name="bytes"/> bytes:
    /// its share of a 64-bit access, the word energy interpolated in log(size) between Horowitz's points.</summary>
    public double MemPj(int bits, long bytes)
    {
        double kb = Math.Max(bytes, 1) / 1024.0, word;
        if (kb <= 8) word = Sram8KbPj;
        else if (kb <= 32) word = Sram8KbPj + (Sram32KbPj - Sram8KbPj) * Math.Log(kb / 8) / Math.Log(4);
        else word = Sram32KbPj + (Sram1MbPj - Sram32KbPj) * Math.Min(1, Math.Log(kb / 32) / Math.Log(32));
        return Scale * word * bits / 64.0;
    }

    public double Pj(OpCount o, long memoryBytes) => o.Kind switch
    {
        OpKind.Mul => MulPj(o.BitsA, o.BitsB),
        OpKind.Add => AddPj(o.BitsB),
        _ => MemPj(o.BitsB, memoryBytes),
    } * o.Count;
}
