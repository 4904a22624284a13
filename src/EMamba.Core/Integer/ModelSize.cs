namespace EMamba.Core.Integer;

/// <summary>What a quantized model occupies on a device: every stored value at the width it needs
/// (weights and table values at their domain's bits, biases at the bits their largest magnitude
/// needs, rounded up to whole bytes per value), without the file's metadata, per-row fracs and
/// shifts (a few bytes per row, listed separately). The float figure is 4 bytes per parameter.</summary>
public static class ModelSize
{
    public sealed record Bytes(long Weights, long Biases, long Tables, long Shifts)
    {
        public long Total => Weights + Biases + Tables;
    }

    private static long BytesFor(int bits) => (bits + 7) / 8;
    private static int BitsOf(IEnumerable<long> v) => 1 + v.Select(x => 64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)Math.Abs(x))).DefaultIfEmpty(0).Max();

    public static Bytes Of(IntModel m)
    {
        long w = 0, b = 0, t = 0, s = 0;
        void Lin(IntLinear? l)
        {
            if (l is null) return;
            w += l.Weight.Length; // int8
            b += l.Bias.Length * BytesFor(BitsOf(l.Bias));
            s += l.OutFeatures * 2;
        }
        void Norm(IntRangeNorm n) { w += n.Gamma.Length; b += n.Beta.Length * BytesFor(BitsOf(n.Beta)); }
        void Pwl(IntPwl? p) { if (p != null) t += p.Knots.Length * (BytesFor(p.In.Bits) + BytesFor(p.Out.Bits)); }
        Lin(m.Embed); Lin(m.EmbedIn); Lin(m.EmbedOut); Lin(m.Head);
        if (m.TokenEmbedding != null) w += m.TokenEmbedding.Length;
        foreach (var blk in m.Blocks)
        {
            Norm(blk.Norm); Lin(blk.InProj); Lin(blk.XProj); Lin(blk.DtProj); Lin(blk.OutProj);
            w += blk.Conv.Weight.Length; b += blk.Conv.Bias.Length * BytesFor(BitsOf(blk.Conv.Bias)); s += blk.Conv.Channels * 2;
            w += blk.ANeg.Length * BytesFor(blk.A.Bits) + blk.DSkip.Length;
        }
        Norm(m.FinalNorm);
        // One SiLU and one exp unit serve every block in hardware; the file keeps a copy per use.
        var b0 = m.Blocks.FirstOrDefault();
        if (b0 != null) { Pwl(b0.Silu); Pwl(b0.Exp); Pwl(b0.ConvSilu); }
        return new Bytes(w, b, t, s);
    }
}
