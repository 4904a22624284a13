using EMamba.Core.Integer;

namespace EMamba.Hardware;

/// <summary>The datapath widths of the generated RTL (docs/hardware.md, "Widths"): every stored code is a
/// two's complement number of its domain's bits (plus a zero sign bit for an unsigned domain), every ROM
/// word as wide as its largest entry, and every accumulator as wide as its proved bound. The units size
/// their intermediates from these in Verilog (a product adds widths, a sum of n terms adds log2 n).</summary>
internal static class Widths
{
    /// <summary>The bits of a two's complement number that holds every value in [-maxAbs, maxAbs].</summary>
    public static int Signed(long maxAbs)
    {
        if (maxAbs < 0) throw new ArgumentOutOfRangeException(nameof(maxAbs));
        int b = 1;
        while (b < 64 && (1L << (b - 1)) - 1 < maxAbs) b++;
        return b;
    }

    /// <summary>A domain's codes as a signed container: B bits, or B + 1 for an unsigned domain.</summary>
    public static int Of(Domain d) => d.Bits + (d.Unsigned ? 1 : 0);

    /// <summary>The largest magnitude a signed container of <paramref name="bits"/> bits holds.</summary>
    public static long MaxAbs(int bits) => 1L << (bits - 1);

    /// <summary>The width of a ROM holding these values (at least 2 bits).</summary>
    public static int Of(IEnumerable<long> values) => Math.Max(2, Signed(values.Select(Math.Abs).DefaultIfEmpty(0).Max()));

    /// <summary>A linear layer's accumulator: max over rows and tokens of |bias| + sum_i |w_ji| max|x|.</summary>
    public static int Accumulator(IntLinear l, long xMaxAbs)
    {
        long worst = 0;
        for (int j = 0; j < l.OutFeatures; j++)
        {
            long dot = 0;
            foreach (sbyte w in l.Row(j)) dot = checked(dot + Math.Abs(w) * xMaxAbs);
            long bias = 0;
            for (int t = 0; t < l.Tokens; t++) bias = Math.Max(bias, Math.Abs(l.BiasAt(t, j)));
            worst = Math.Max(worst, checked(dot + bias));
        }
        return Signed(worst);
    }

    /// <summary>The conv's accumulator: max over channels of |bias| + sum_k |w_ck| max|u|.</summary>
    public static int Accumulator(IntConv c, long uMax)
    {
        long worst = 0;
        for (int ch = 0; ch < c.Channels; ch++)
        {
            long acc = c.Bias.Length == 0 ? 0 : Math.Abs(c.Bias[ch]);
            for (int k = 0; k < c.Kernel; k++) acc = checked(acc + Math.Abs(c.Weight[ch * c.Kernel + k]) * uMax);
            worst = Math.Max(worst, acc);
        }
        return Signed(worst);
    }
}
