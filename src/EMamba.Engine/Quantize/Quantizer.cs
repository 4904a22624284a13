using EMamba.Core;
using EMamba.Core.Approx;
using EMamba.Core.Integer;
using static EMamba.Core.Integer.IntOps;

namespace EMamba.Engine.Quantize;

/// <summary>Post-training quantization (doc §2): from a float eMamba model and its calibration
/// statistics to an <see cref="IntModel"/>, every boundary getting a power-of-two scale by the method
/// its precision setting names, every weight int8 (per tensor, or per output channel), biases at
/// their accumulator's scale, PWL tables in codes. This is the float world's last step: it may use
/// doubles; what it produces is integers only.</summary>
public sealed class Quantizer(FloatModel fm, Calibration cal, Precision prec, IReadOnlyDictionary<string, Domain>? pinned = null)
{
    /// <summary>One boundary's choice, for the report and the file.</summary>
    /// <param name="Note">why the domain is fixed rather than calibrated (null when calibrated)</param>
    public sealed record Choice(string Name, Domain Domain, CalibMethod Method, double MaxAbs, double SquaredError, double Clipped,
        IReadOnlyDictionary<CalibMethod, double> ErrorBy, string? Note = null);

    public List<Choice> Choices { get; } = [];

    /// <param name="pinned">boundary domains to keep instead of calibrating (QAT exports the domains it trained under)</param>
    public static IntModel Run(FloatModel fm, Calibration cal, Precision prec, string normalizer, out List<Choice> choices,
        IReadOnlyDictionary<string, Domain>? pinned = null)
    {
        var q = new Quantizer(fm, cal, prec, pinned);
        var m = q.Build(normalizer);
        choices = q.Choices;
        return m;
    }

    private ModelConfig C => fm.Config;

    // ------------------------------------------------------------ domains

    /// <summary>The note of a boundary whose domain was pinned rather than calibrated.</summary>
    public const string PinnedNote = "pinned: the domain quantization-aware training used";

    private Domain Calibrated(string name, bool unsigned = false)
    {
        var set = prec.For(name);
        var s = cal[name];
        if (pinned != null)
        {
            if (!pinned.TryGetValue(name, out var pd) || pd.Bits != set.Bits || pd.Unsigned != unsigned)
                throw new EMambaException($"the pinned domains have {(pinned.ContainsKey(name) ? $"{pinned[name]} for '{name}', the precision asks {(unsigned ? "u" : "s")}{set.Bits}" : $"no '{name}'")}: they come from another model or precision", ExitCodes.BadInput);
            Choices.Add(new Choice(name, pd, set.Method, s.MaxAbs, 0, 0, new Dictionary<CalibMethod, double>(), PinnedNote));
            return pd;
        }
        var all = Enum.GetValues<CalibMethod>().ToDictionary(x => x, x => Calibration.Choose(s, set.Bits, unsigned, x));
        var (f, err, clip) = all[set.Method];
        var by = all.ToDictionary(kv => kv.Key, kv => kv.Value.SquaredError);
        var d = new Domain(f, set.Bits, unsigned);
        Choices.Add(new Choice(name, d, set.Method, s.MaxAbs, err, clip, by));
        return d;
    }

    private Domain Fixed(string name, Domain d, string why)
    {
        Choices.Add(new Choice(name, d, CalibMethod.Max, cal.Boundaries.TryGetValue(name, out var s) ? s.MaxAbs : 0, 0, 0, new Dictionary<CalibMethod, double>(), why));
        return d;
    }

    /// <summary>The frac that puts <paramref name="maxAbs"/> as close below <paramref name="top"/> codes as a power of two allows (weights, fixed domains).</summary>
    public static int FracFor(double maxAbs, long top) => maxAbs <= 0 ? 0 : Math.Clamp((int)Math.Floor(Math.Log2(top / maxAbs)), -32, 48);

    /// <summary>v at <paramref name="frac"/>, rounded half to even (weights and tables: an offline choice).</summary>
    public static long Code(double v, int frac) => checked((long)Math.Round(v * Math.Pow(2, frac), MidpointRounding.ToEven));

    /// <summary>Every calibrated boundary's domain in <paramref name="m"/>, by name: what a QAT run trains
    /// under and pins when it exports (the fixed ones follow from the weights and tables).</summary>
    public static Dictionary<string, Domain> CalibratedDomains(IntModel m)
    {
        var d = new Dictionary<string, Domain>(StringComparer.Ordinal);
        if (m.Embed != null) d["input"] = m.Input;
        if (m.Embed != null || m.EmbedIn != null) d["x0"] = m.Blocks.Length > 0 ? m.Blocks[0].Norm.In : m.FinalNorm.In;
        foreach (var b in m.Blocks)
        {
            string p = $"blocks.{b.Index}.";
            d[p + "n"] = b.Norm.Out; d[p + "u0"] = b.U0; d[p + "z"] = b.Z; d[p + "uc"] = b.Conv.Out;
            if (b.ConvSilu != null) d[p + "u"] = b.U;
            d[p + "dt"] = b.Dt; d[p + "B"] = b.B; d[p + "C"] = b.C; d[p + "delta"] = b.DtProj.Out;
            d[p + "h"] = b.State; d[p + "y"] = b.Y; d[p + "s"] = b.Silu.Out; d[p + "g"] = b.Gate; d[p + "o"] = b.OutProj.Out; d[p + "r"] = b.Residual;
        }
        d["norm_f"] = m.FinalNorm.Out;
        if (m.EmbedOut != null) d["embed_out"] = m.EmbedOut.Out;
        return d;
    }

    // ------------------------------------------------------------ weights

    /// <summary>int8 weights (rows x cols) with one frac per row (per channel) or one for all.</summary>
    private (sbyte[] W, int[] Frac) Weights(string layer, double[] w, int rows, int cols, double scale = 1)
    {
        var (bits, perChannel) = prec.WeightFor(layer);
        long top = (1L << (bits - 1)) - 1;
        var frac = new int[rows];
        double all = w.Max(Math.Abs) * scale;
        for (int r = 0; r < rows; r++)
            frac[r] = FracFor(perChannel ? w.AsSpan(r * cols, cols).ToArray().Max(Math.Abs) * scale : all, top);
        var q = new sbyte[rows * cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                q[r * cols + c] = (sbyte)Math.Clamp(Code(w[r * cols + c] * scale, frac[r]), -top - 1, top);
        return (q, frac);
    }

    /// <summary>A linear layer whose row j writes domain outOf(j); bias (optional) per row, or per
    /// (token, row) when <paramref name="tokenBias"/>.</summary>
    private IntLinear Linear(string name, double[] w, int outF, int inF, double[]? bias, Domain input, Func<int, Domain> outOf,
        double weightScale = 1, bool tokenBias = false, double[]? perToken = null)
    {
        // One layer clamps every row at one width (hardware: one output width per unit), so rows that
        // write different domains (in_proj: u0 | z; x_proj: dt | B | C) must share bits and signedness.
        for (int j = 1; j < outF; j++)
            if (outOf(j).Bits != outOf(0).Bits || outOf(j).Unsigned != outOf(0).Unsigned)
                throw new ConfigException("precision", [$"{name}: its outputs must share one width, but row {j} writes {outOf(j)} and row 0 writes {outOf(0)} (set the kinds of one layer, e.g. u0 and z, or dt, B and C, to the same bits)"]);
        var (q, wf) = Weights(name, w, outF, inF, weightScale);
        int tokens = tokenBias ? perToken!.Length / outF : 1;
        var b = new long[bias == null && !tokenBias ? 0 : tokens * outF];
        for (int t = 0; t < tokens; t++)
            for (int j = 0; j < outF; j++)
                if (b.Length > 0)
                {
                    double v = (bias?[j] ?? 0) + (tokenBias ? perToken![t * outF + j] : 0);
                    b[t * outF + j] = Math.Clamp(Code(v, input.Frac + wf[j]), -(1L << 40), 1L << 40);
                }
        var mult = Enumerable.Repeat(1L, outF).ToArray();
        var shift = Enumerable.Range(0, outF).Select(j => input.Frac + wf[j] - outOf(j).Frac).ToArray();
        return new IntLinear(name, inF, outF, q, wf, b, mult, shift, input, outOf(0), tokenBias);
    }

    // ------------------------------------------------------------ the model

    private IntModel Build(string normalizer)
    {
        int d = C.DModel;
        bool lm = C.Head == Head.Lm;
        Domain input = lm ? default : Calibrated("input");
        // An LM without embed_in feeds the table's codes straight in: x0 is fixed below, not calibrated.
        Domain x = lm && fm.EmbedInW == null ? default : Calibrated("x0");
        IntLinear? embed = null, embedIn = null, embedOut = null, head = null;
        sbyte[]? table = null; int tableFrac = 0;
        if (!lm)
            embed = Linear("embed", fm.EmbedW!, d, C.PatchDim, fm.EmbedB, input, _ => x, tokenBias: true, perToken: fm.Pos);
        else
        {
            int eb = prec.WeightFor("embedding").Bits;
            tableFrac = FracFor(fm.TokenEmbedding!.Max(Math.Abs), (1L << (eb - 1)) - 1);
            table = Requantize(fm.TokenEmbedding!, tableFrac, eb);     // one frac: the table is also the tied head
            var embDomain = new Domain(tableFrac, eb);
            if (fm.EmbedInW != null) embedIn = Linear("embed_in", fm.EmbedInW, d, C.EmbedWidth, null, embDomain, _ => x);
            else x = Fixed("x0", embDomain, "the embedding table is the first block's input");
        }
        var blocks = new IntBlock[C.NLayers];
        for (int i = 0; i < blocks.Length; i++) { blocks[i] = Block(i, x); x = blocks[i].Residual; }
        var nf = Calibrated("norm_f");
        var finalNorm = Norm("norm_f", fm.NormFW, fm.NormFB, x, nf);
        Domain output;
        if (!lm)
        {
            // The pooled sum of T tokens needs ceil(log2 T) more bits; 1/T goes into the head's weights.
            var pooled = new Domain(nf.Frac, nf.Bits + (int)Math.Ceiling(Math.Log2(Math.Max(C.Tokens, 2))));
            int hb8 = prec.WeightFor("head").Bits;
            var hw = fm.HeadW!.Select(w => w / C.Tokens).ToArray();
            int f = FracFor(hw.Max(Math.Abs), (1L << (hb8 - 1)) - 1);    // one frac: the outputs share one domain
            var hq = Requantize(hw, f, hb8);
            output = Fixed("out", new Domain(pooled.Frac + f, 32), "the head's accumulator");
            var hb = fm.HeadB!.Select(b => Code(b, output.Frac)).ToArray();
            head = new IntLinear("head", d, C.NumOutputs, hq, [.. Enumerable.Repeat(f, C.NumOutputs)], hb,
                [.. Enumerable.Repeat(1L, C.NumOutputs)], new int[C.NumOutputs], pooled, output);
        }
        else
        {
            var hv = nf;
            if (fm.EmbedOutW != null) { hv = Calibrated("embed_out"); embedOut = Linear("embed_out", fm.EmbedOutW, C.EmbedWidth, d, null, nf, _ => hv); }
            output = Fixed("out", new Domain(hv.Frac + tableFrac, 32), "the tied head's accumulator");
        }
        return new IntModel(C, input, embed, table, tableFrac, embedIn, blocks, finalNorm, embedOut, head, output, normalizer);
    }

    private static sbyte[] Requantize(double[] w, int frac, int bits)
    {
        long top = (1L << (bits - 1)) - 1;
        return [.. w.Select(v => (sbyte)Math.Clamp(Code(v, frac), -top - 1, top))];
    }

    private IntRangeNorm Norm(string name, double[] gamma, double[] beta, Domain input, Domain output)
    {
        var (g, gf) = Weights(name, gamma, 1, gamma.Length);
        int f = gf[0];
        var b = beta.Select(v => Code(v, NormTFrac + f)).ToArray();
        return new IntRangeNorm(name, gamma.Length, g, f, b, NormRecipTable(gamma.Length, input.Bits), input, output);
    }

    private IntBlock Block(int i, Domain x)
    {
        var fb = fm.Blocks[i];
        int d = C.DModel, din = C.DInner, n = C.DState, r = C.DtRankValue, k = C.DConv;
        string p = $"blocks.{i}.";
        var nd = Calibrated(p + "n");
        var norm = Norm(p + "norm", fb.NormW, fb.NormB, x, nd);
        var u0 = Calibrated(p + "u0"); var z = Calibrated(p + "z");
        var inProj = Linear(p + "in_proj", fb.InProj, 2 * din, d, null, nd, j => j < din ? u0 : z);
        var uc = Calibrated(p + "uc");
        var (cw, cf) = Weights(p + "conv1d", fb.ConvW, din, k);
        var cb = Enumerable.Range(0, din).Select(c => Code(fb.ConvB[c], u0.Frac + cf[c])).ToArray();
        var conv = new IntConv(p + "conv1d", din, k, cw, cf, cb, [.. Enumerable.Repeat(1L, din)],
            [.. Enumerable.Range(0, din).Select(c => u0.Frac + cf[c] - uc.Frac)], u0, uc);
        IntPwl? convSilu = null; var u = uc;
        if (C.ConvSilu) { u = Calibrated(p + "u"); convSilu = PwlCodes.Build(p + "silu_conv", fm.Silu, uc, u); }
        var dt = Calibrated(p + "dt"); var bd = Calibrated(p + "B"); var cd = Calibrated(p + "C");
        var xProj = Linear(p + "x_proj", fb.XProj, r + 2 * n, din, null, u, j => j < r ? dt : j < r + n ? bd : cd);
        var delta = Calibrated(p + "delta", unsigned: true);
        var dtProj = Linear(p + "dt_proj", fb.DtW, din, r, fb.DtB, dt, _ => delta);
        // a = -A > 0, unsigned; the exp input's frac is set by the table's lowest knot (below it the
        // table is constant, so saturating there is exact); A_bar has 1.0 = 2^(bits-1).
        int aBits = prec.For(p + "a").Bits;
        var aDom = Fixed(p + "a", new Domain(FracFor(fb.A.Max(v => -v), (1L << aBits) - 1), aBits, true), "weights");
        var aCodes = fb.A.Select(v => Math.Clamp(Code(-v, aDom.Frac), 0, aDom.Max)).ToArray();
        int eBits = prec.For(p + "e").Bits;
        var eDom = Fixed(p + "e", new Domain(FracFor(Math.Max(-fm.Exp.Lo, 1e-9), (1L << (eBits - 1)) - 1), eBits), "the exp table's range");
        int abBits = prec.For(p + "abar").Bits;
        var abDom = Fixed(p + "abar", new Domain(abBits - 1, abBits, true), "A_bar in [0, 1], 1.0 = 2^(bits-1)");
        var exp = PwlCodes.Build(p + "exp", fm.Exp, eDom, abDom);
        var h = Calibrated(p + "h");
        var (dq, df) = Weights(p + "D", fb.D, 1, din);
        var y = Calibrated(p + "y");
        var s = Calibrated(p + "s");
        var silu = PwlCodes.Build(p + "silu", fm.Silu, z, s);
        var g = Calibrated(p + "g");
        var o = Calibrated(p + "o");
        var outProj = Linear(p + "out_proj", fb.OutProj, d, din, null, g, _ => o);
        var res = Calibrated(p + "r");
        return new IntBlock(i, norm, inProj, u0, z, conv, convSilu, u, xProj, dt, bd, cd, dtProj, aCodes, aDom, eDom, exp,
            h, dq, df[0], y, silu, g, outProj, res);
    }
}
