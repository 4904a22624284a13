using EMamba.Core;
using EMamba.Core.Integer;
using EMamba.Data;
using EMamba.Onnx.Proto;

namespace EMamba.Onnx;

/// <summary>A quantized model (emamba-int/1) as a QDQ graph: the integer forward of docs/integer.md §1-§15 as
/// float ops between QuantizeLinear / DequantizeLinear pairs, one pair at every boundary domain of §3 (8- and
/// 16-bit domains; other widths as Round / Clip, the same rule), weights stored as int8 with a per-row
/// DequantizeLinear (scale 2^-frac, zero point 0). Scales are powers of two, as in the file. What this only
/// approximates (QuantizeLinear rounds half to even where the engine rounds half up; the range norm divides
/// where the engine multiplies by its reciprocal table; the PWL units interpolate in float; float32 products
/// and sums where the engine is exact) is listed in docs/integer.md, "ONNX QDQ export", with its measured
/// agreement. Opset 21: the first with int16 / uint16 QuantizeLinear, which the 16-bit state and residual need.
/// Same layout and input / output names as <see cref="FloatExport"/>; the output is the head's value in real
/// units (code x 2^-frac), before any rounding to the output domain.</summary>
public static class QdqExport
{
    public const int Opset = 21;

    /// <param name="tap">cut the graph at this boundary (a trace name: "x0", "blocks.0.h", ...; "patches" for the input codes): its output is then that tensor, for finding the first operation that disagrees with the engine</param>
    public static OnnxModel Build(IntModel m, string source, string? tap = null)
    {
        var c = m.Config;
        if (c.Head == Head.Lm || m.Embed is null || m.Head is null)
            throw new EMambaException($"{source}: a quantized language model cannot be exported to ONNX yet (vision and radar models only)", ExitCodes.BadInput);
        var norm = Normalizer.Parse(m.Normalizer, c.InChannels);
        int d = c.DModel, T = c.Tokens, p = c.Patch, ch = c.InChannels, gh = c.Height / p, gw = c.Width / p;
        var g = new GraphBuilder(Opset);
        g.Reserve(FloatExport.Input); g.Reserve(FloatExport.Output);
        var q = new Qdq(g);

        // Patches first, then the host's input codes (§1): the same values, and no DQ before a Reshape for ONNX
        // Runtime's QDQ propagation to move (its opset-21 copies of QuantizeLinear fail to load).
        string x = InputNormalisation.Add(g, FloatExport.Input, c, norm);
        x = g.Reshape(x, [-1, ch, gh, p, gw, p], "patch.grid");
        x = g.Transpose(x, [0, 2, 4, 1, 3, 5], "patch.order");
        x = q.At(g.Reshape(x, [-1, T, c.PatchDim], "patches.raw"), m.Input, "patches", Qdq.Rounding.HalfEven);
        x = q.At(q.Linear(x, m.Embed, "embed"), m.Embed.Out, "x0");                                   // (B, T, D), §4

        foreach (var b in m.Blocks)
        {
            g.Scope = $"blocks.{b.Index}.";
            int din = b.DInner, n = b.DState, r = b.DtRank;
            string nrm = q.At(q.RangeNorm(x, b.Norm), b.Norm.Out, "n");                               // §5
            // Layers whose rows write different domains (in_proj: u0 | z; x_proj: dt | B | C) are one MatMul per part.
            string u0 = q.At(q.Rows(nrm, b.InProj, 0, din, b.U0.Frac, "in_proj.u"), b.U0, "u0");
            string z = q.At(q.Rows(nrm, b.InProj, din, 2 * din, b.Z.Frac, "in_proj.z"), b.Z, "z");
            string uct = g.Op("Conv", [g.Transpose(u0, [0, 2, 1], "u0.t"), q.ConvWeight(b.Conv), g.Floats("conv.bias", [din], Reals(b.Conv.Bias, j => b.Conv.In.Frac + Frac(b.Conv.WeightFrac, j)))], "uc.t",
                [new("group", I: din), new("kernel_shape", Ints: [b.Conv.Kernel]), new("pads", Ints: [b.Conv.Kernel - 1, 0])]);
            string u = q.At(q.Rescale(g.Transpose(uct, [0, 2, 1], "uc.raw"), b.Conv.Mult, b.Conv.Shift, j => b.Conv.In.Frac + Frac(b.Conv.WeightFrac, j) - b.Conv.Out.Frac, "uc.m"), b.Conv.Out, "uc");   // §6
            if (b.ConvSilu is { } cs) u = q.At(q.Pwl(u, cs, "u.pwl"), cs.Out, "u");                      // §7
            string dt = q.At(q.Rows(u, b.XProj, 0, r, b.Dt.Frac, "x_proj.dt"), b.Dt, "dt");
            string bm = q.At(q.Rows(u, b.XProj, r, r + n, b.B.Frac, "x_proj.B"), b.B, "B");
            string cm = q.At(q.Rows(u, b.XProj, r + n, r + 2 * n, b.C.Frac, "x_proj.C"), b.C, "C");
            string delta = q.At(q.Linear(dt, b.DtProj, "dt_proj"), b.DtProj.Out, "delta");            // §8: unsigned, ReLU by saturation
            // §9-§11 with the state as (B, T, N, Din), as in the float graph.
            string delta4 = g.Unsqueeze(delta, 2, "delta.4");
            var aReal = new double[n * din];
            for (int ci = 0; ci < din; ci++) for (int k = 0; k < n; k++) aReal[k * din + ci] = -Math.ScaleB(b.ANeg[ci * n + k], -b.A.Frac);
            string e = q.At(g.Mul(delta4, g.Floats("A.t", [n, din], aReal), "e.raw"), b.ExpIn, "e", Qdq.Rounding.HalfDown);
            string abar = q.At(q.Pwl(e, b.Exp, "abar.pwl"), b.Exp.Out, "abar");
            string bx = g.Mul(g.Unsqueeze(g.Mul(delta, u, "delta_u"), 2, "delta_u.4"), g.Unsqueeze(bm, -1, "B.4"), "bx");
            string h = Scan(g, q, abar, bx, T, b.State);
            var dReal = b.DSkip.Select(v => Math.ScaleB(v, -b.DFrac));
            string y = q.At(g.Add(g.ReduceSum(g.Mul(h, g.Unsqueeze(cm, -1, "C.4"), "Ch"), 2, false, "Ch.sum"), g.Mul(u, g.Floats("D", [din], dReal), "Du"), "y.raw"), b.Y, "y");
            string s = q.At(q.Pwl(z, b.Silu, "s.pwl"), b.Silu.Out, "s");
            string gate = q.At(g.Mul(y, s, "g.raw"), b.Gate, "g");                                        // §12
            string o = q.At(q.Linear(gate, b.OutProj, "out_proj"), b.OutProj.Out, "o");                 // §13
            x = q.At(g.Add(x, o, "r.raw"), b.Residual, "r");                                             // §14
        }
        g.Scope = "";
        string nf = q.At(q.RangeNorm(x, m.FinalNorm), m.FinalNorm.Out, "norm_f");
        string pooled = g.ReduceSum(nf, 1, false, "pooled");                                             // §15: a sum; 1/T is in the head's weights
        string outv = q.Linear(pooled, m.Head, "head");
        g.Op("Identity", [tap ?? outv], "out", outName: FloatExport.Output);

        var meta = FloatExport.Metadata(c, norm, source, FloatExport.InputKindOf(c) == FloatExport.InputKind.Pixels);
        meta["emamba.output"] += $"; real units (the engine's output code x 2^-{m.Output.Frac})";
        meta["emamba.output_frac"] = m.Output.Frac.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return g.Build("emamba-qdq", [new OnnxValue(FloatExport.Input, ElemType.Float, [null, ch, c.Height, c.Width])],
            [new OnnxValue(FloatExport.Output, ElemType.Float, tap is null ? [null, c.NumOutputs] : null)], meta,
            $"eMamba quantized model exported as QDQ from {source}; input {FloatExport.Input} raw, normalised and quantized inside; output {FloatExport.Output} in real units.");
    }

    internal static int Frac(int[] fracs, int j) => fracs.Length == 1 ? fracs[0] : fracs[j];

    internal static double[] Reals(long[] codes, Func<int, int> frac) => [.. codes.Select((v, j) => Math.ScaleB(v, -frac(j)))];

    /// <summary>§10 per token: h_t = Q_h(A_bar_t h_{t-1} + Bx_t), narrowed to the state's domain at every token.</summary>
    private static string Scan(GraphBuilder g, Qdq q, string abar, string bx, int T, Domain state)
    {
        if (T == 1) return q.At(bx, state, "h");
        var a = g.Split(abar, 1, T, "abar.t");
        var bt = g.Split(bx, 1, T, "bx.t");
        var hs = new string[T];
        hs[0] = q.At(bt[0], state, "h0");
        for (int t = 1; t < T; t++) hs[t] = q.At(g.Add(g.Mul(a[t], hs[t - 1], $"ah{t}"), bt[t], $"h{t}.raw"), state, $"h{t}");
        return g.Concat(hs, 1, "h");
    }
}
