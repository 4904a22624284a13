using System.Globalization;
using EMamba.Core;
using EMamba.Data;
using EMamba.Engine.Quantize;
using EMamba.Onnx.Proto;

namespace EMamba.Onnx;

/// <summary>The float eMamba model (vision / radar) as a standard ONNX graph: the same forward as
/// <see cref="FloatModel.Run"/>, for a batch, in float32. Token-parallel work (range norm, the linears,
/// the causal conv as a grouped Conv, ReLU Delta, the PWL units, Delta A and Delta B u) is one op over
/// all tokens; only the recurrence h_t = A_bar_t h_{t-1} + Bx_t is unrolled over the fixed token count
/// (one Mul and one Add per token, no Loop or Scan: the unrolled graph has no subgraph call per token).
/// The input normalisation is the first two nodes, so the graph takes raw inputs (see docs/onnx.md).</summary>
public static class FloatExport
{
    public const int Opset = 17;
    public const string Input = "input", Output = "output";

    /// <param name="lmTokens">language models: the fixed sequence length of the graph (its scan is unrolled over it)</param>
    public static OnnxModel Build(FloatModel fm, Normalizer norm, string source, int lmTokens = 0)
    {
        var c = fm.Config;
        if (c.Head == Head.Lm) return BuildLm(fm, source, lmTokens);
        int d = c.DModel, T = c.Tokens, p = c.Patch;
        int ch = c.InChannels, gh = c.Height / p, gw = c.Width / p;
        var g = new GraphBuilder(Opset);
        g.Reserve(Input); g.Reserve(Output);

        // Normalisation as training does it: pixels (x / 255 - mean) / std, radar features (x - mean) / std.
        bool pixels = InputKindOf(c) == InputKind.Pixels;
        string x = InputNormalisation.Add(g, Input, c, norm);

        // Patches: (B, C, H, W) -> (B, gh, gw, C, P, P) -> (B, T, C P P), token t = row-major over the patch grid.
        x = g.Reshape(x, [-1, ch, gh, p, gw, p], "patch.grid");
        x = g.Transpose(x, [0, 2, 4, 1, 3, 5], "patch.order");
        x = g.Reshape(x, [-1, T, c.PatchDim], "patches");
        var posb = new double[T * d];
        for (int t = 0; t < T; t++) for (int j = 0; j < d; j++) posb[t * d + j] = fm.EmbedB![j] + fm.Pos![t * d + j];
        x = g.Add(g.MatMul(x, W(g, "embed.weight", fm.EmbedW!, d, c.PatchDim)), g.Floats("embed.bias_pos", [T, d], posb), "x0");   // (B, T, D)

        x = Blocks(g, fm, x, T);
        g.Scope = "";
        string nf = RangeNorm(g, x, fm.NormFW, fm.NormFB, "norm_f");
        string pooled = g.ReduceMean(nf, 1, false, "pooled");                                                 // (B, D)
        g.Op("Add", [g.MatMul(pooled, W(g, "head.weight", fm.HeadW!, c.NumOutputs, d)), g.Floats("head.bias", [c.NumOutputs], fm.HeadB!)], "out", outName: Output);

        var meta = Metadata(c, norm, source, pixels);
        return g.Build("emamba", [new OnnxValue(Input, ElemType.Float, [null, ch, c.Height, c.Width])],
            [new OnnxValue(Output, ElemType.Float, [null, c.NumOutputs])], meta,
            $"eMamba float model exported from {source}; input {Input} (batch, {ch}, {c.Height}, {c.Width}) raw ({(pixels ? "pixels 0..255" : "radar features")}), normalised inside; output {Output} (batch, {c.NumOutputs}).");
    }

    /// <summary>Every block over T tokens: (B, T, D) -> (B, T, D).</summary>
    private static string Blocks(GraphBuilder g, FloatModel fm, string x, int T)
    {
        var c = fm.Config;
        int d = c.DModel, din = c.DInner, n = c.DState, r = c.DtRankValue, k = c.DConv;
        for (int i = 0; i < fm.Blocks.Length; i++)
        {
            var b = fm.Blocks[i];
            g.Scope = $"blocks.{i}.";
            string nrm = RangeNorm(g, x, b.NormW, b.NormB, "n");
            string u0 = g.MatMul(nrm, W(g, "in_proj.u", b.InProj[..(din * d)], din, d), "u0");                  // (B, T, Din)
            string z = g.MatMul(nrm, W(g, "in_proj.z", b.InProj[(din * d)..], din, d), "z");
            // Causal depthwise conv: (B, Din, T) padded K-1 on the left, one group per channel.
            string uct = g.Op("Conv", [g.Transpose(u0, [0, 2, 1], "u0.t"), g.Floats("conv.weight", [din, 1, k], b.ConvW), g.Floats("conv.bias", [din], b.ConvB)], "uc.t",
                [new("group", I: din), new("kernel_shape", Ints: [k]), new("pads", Ints: [k - 1, 0])]);
            string u = g.Transpose(uct, [0, 2, 1], "uc");
            if (c.ConvSilu) u = g.Pwl(u, fm.Silu, "u");
            string dt = g.MatMul(u, W(g, "x_proj.dt", b.XProj[..(r * din)], r, din), "dt");                  // (B, T, R)
            string bm = g.MatMul(u, W(g, "x_proj.B", b.XProj[(r * din)..((r + n) * din)], n, din), "B");     // (B, T, N)
            string cm = g.MatMul(u, W(g, "x_proj.C", b.XProj[((r + n) * din)..], n, din), "C");
            string delta = g.Relu(g.Add(g.MatMul(dt, W(g, "dt_proj.weight", b.DtW, din, r)), g.Floats("dt_proj.bias", [din], b.DtB)), "delta");
            // The state as (B, T, N, Din): channels innermost, so every broadcast runs along rows of Din values.
            string delta4 = g.Unsqueeze(delta, 2, "delta.4");                                                  // (B, T, 1, Din)
            string e = g.Mul(delta4, g.Floats("A.t", [n, din], Transposed(b.A, din, n)), "e");                // (B, T, N, Din)
            string abar = g.Pwl(e, fm.Exp, "abar");
            string bx = g.Mul(g.Unsqueeze(g.Mul(delta, u, "delta_u"), 2, "delta_u.4"), g.Unsqueeze(bm, -1, "B.4"), "bx");
            string h = Scan(g, abar, bx, T);                                                                   // (B, T, N, Din)
            string y = g.Add(g.ReduceSum(g.Mul(h, g.Unsqueeze(cm, -1, "C.4"), "Ch"), 2, false, "Ch.sum"), g.Mul(u, g.Floats("D", [din], b.D), "Du"), "y");
            string gate = g.Mul(y, g.Pwl(z, fm.Silu, "s"), "g");
            string o = g.MatMul(gate, W(g, "out_proj.weight", b.OutProj, d, din), "o");
            x = g.Add(x, o, "r");
        }
        g.Scope = "";
        return x;
    }

    public const string Tokens = "tokens", Logits = "logits";
    public const int MaxLmTokens = 4096;

    /// <summary>A language model for a fixed length L from a fresh state: token ids (B, L) int64 -> next-token logits
    /// (B, L, V), the same as L calls of <see cref="FloatModel.Step"/>: embedding Gather, embed_in, the blocks, the
    /// final norm, embed_out and the tied head (E^T).</summary>
    private static OnnxModel BuildLm(FloatModel fm, string source, int L)
    {
        var c = fm.Config;
        if (L < 1 || L > MaxLmTokens)
            throw new EMambaException($"{source}: a language model is exported for a fixed sequence length: give --tokens in 1..{MaxLmTokens}", ExitCodes.Usage);
        int d = c.DModel, e = c.EmbedWidth, v = c.Vocab;
        var g = new GraphBuilder(Opset);
        g.Reserve(Tokens); g.Reserve(Logits);
        string table = g.Floats("embedding", [v, e], fm.TokenEmbedding!);
        string x = g.Op("Gather", [table, Tokens], "embed", [new("axis", I: 0)]);                             // (B, L, e)
        if (fm.EmbedInW != null) x = g.MatMul(x, W(g, "embed_in.weight", fm.EmbedInW, d, e), "x0");         // (B, L, D)
        x = Blocks(g, fm, x, L);
        string hv = RangeNorm(g, x, fm.NormFW, fm.NormFB, "norm_f");
        if (fm.EmbedOutW != null) hv = g.MatMul(hv, W(g, "embed_out.weight", fm.EmbedOutW, e, d), "embed_out");
        g.Op("MatMul", [hv, W(g, "head.weight", fm.TokenEmbedding!, v, e)], "out", outName: Logits);          // (B, L, V), tied
        var meta = new Dictionary<string, string>
        {
            ["emamba.source"] = source,
            ["emamba.config"] = new RunConfig { Model = c }.ToJson(),
            ["emamba.input"] = $"token ids, int64 (batch, {L}), from a fresh state (zero conv window and SSM state)",
            ["emamba.output"] = $"next-token logits after each token, float32 (batch, {L}, {v})",
            ["emamba.tokens"] = L.ToString(CultureInfo.InvariantCulture),
        };
        return g.Build("emamba-lm", [new OnnxValue(Tokens, ElemType.Int64, [null, L])], [new OnnxValue(Logits, ElemType.Float, [null, L, v])], meta,
            $"eMamba language model exported from {source} for {L} tokens; input {Tokens} (batch, {L}) int64, output {Logits} (batch, {L}, {v}).");
    }

    /// <summary>What the graph's input holds.</summary>
    public enum InputKind { Pixels, Features }

    public static InputKind InputKindOf(ModelConfig c) => c.Task == TaskKind.Mars ? InputKind.Features : InputKind.Pixels;

    internal static Dictionary<string, string> Metadata(ModelConfig c, Normalizer norm, string source, bool pixels) => new()
    {
        ["emamba.source"] = source,
        ["emamba.config"] = new RunConfig { Model = c }.ToJson(),
        ["emamba.normalizer"] = norm.Serialize(),
        ["emamba.input"] = pixels ? "pixels 0..255, (batch, C, H, W); the graph divides by 255 and normalises per channel"
                                  : "radar features in their own units, (batch, C, H, W) channels-first; the graph normalises per channel",
        ["emamba.output"] = c.Head == Head.Regress ? "regression values (MARS: metres, axis-major x0..x18 | y0..y18 | z0..z18)" : "class logits",
        ["emamba.tokens"] = c.Tokens.ToString(CultureInfo.InvariantCulture),
    };

    // A (Out, In) row-major weight as the (In, Out) right operand of MatMul.
    private static string W(GraphBuilder g, string stem, ReadOnlySpan<double> w, int rows, int cols)
    {
        var t = new float[rows * cols];
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) t[j * rows + i] = (float)w[i * cols + j];
        return g.Floats(stem, [cols, rows], t);
    }

    /// <summary>Range norm over the last axis: gamma (x - mean) / (max - min + 1e-5) + beta (<see cref="FloatModel.RangeNorm"/>).</summary>
    private static string RangeNorm(GraphBuilder g, string x, double[] gamma, double[] beta, string stem)
    {
        string cen = g.Sub(x, g.ReduceMean(x, -1, true, stem + ".mean"), stem + ".c");
        string range = g.Add(g.Sub(g.ReduceMax(cen, -1, true, stem + ".max"), g.ReduceMin(cen, -1, true, stem + ".min"), stem + ".range"), g.Scalar(1e-5f), stem + ".range_eps");
        int dd = gamma.Length;
        return g.Add(g.Mul(g.Div(cen, range, stem + ".t"), g.Floats(stem + ".gamma", [dd], gamma), stem + ".gt"), g.Floats(stem + ".beta", [dd], beta), stem);
    }

    private static double[] Transposed(double[] a, int rows, int cols)
    {
        var t = new double[a.Length];
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j];
        return t;
    }

    /// <summary>h_t = A_bar_t h_{t-1} + Bx_t from h_{-1} = 0, unrolled over the T tokens; (B, T, N, Din) in and out.</summary>
    private static string Scan(GraphBuilder g, string abar, string bx, int T)
    {
        if (T == 1) return bx;
        var a = g.Split(abar, 1, T, "abar.t");
        var bt = g.Split(bx, 1, T, "bx.t");
        var hs = new string[T];
        hs[0] = bt[0];
        for (int t = 1; t < T; t++) hs[t] = g.Add(g.Mul(a[t], hs[t - 1], $"ah{t}"), bt[t], $"h{t}");
        return g.Concat(hs, 1, "h");
    }
}
