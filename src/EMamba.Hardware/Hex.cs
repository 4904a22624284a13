using System.Globalization;
using System.Text;

namespace EMamba.Hardware;

/// <summary>ROM images for <c>$readmemh</c> and Verilog literals: two's complement at the ROM's
/// width, lower case, zero padded, one word per line (the rule of docs/integer.md §19).</summary>
internal static class Hex
{
    public static string Words(IEnumerable<long> values, int bits)
    {
        var sb = new StringBuilder();
        foreach (long v in values) sb.Append(Word(v, bits)).Append('\n');
        return sb.ToString();
    }

    public static string Word(long v, int bits)
    {
        if (bits < 64 && (v < -(1L << (bits - 1)) || v >= 1L << bits)) throw new InvalidOperationException($"value {v} does not fit a {bits}-bit ROM word");
        ulong u = bits == 64 ? (ulong)v : (ulong)v & ((1UL << bits) - 1);
        return u.ToString("x" + ((bits + 3) / 4).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    /// <summary>A signed Verilog literal of <paramref name="bits"/> bits (64'shffff... is -1).</summary>
    public static string Literal(long v, int bits) => $"{bits.ToString(CultureInfo.InvariantCulture)}'sh{Word(v, bits)}";
}
