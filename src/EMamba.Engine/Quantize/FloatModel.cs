using EMamba.Core;
using EMamba.Core.Approx;
using EMamba.Core.Checkpoints;
using EMamba.Data.Checkpoints;

namespace EMamba.Engine.Quantize;

/// <summary>An eMamba float model (range norm, ReLU Delta, PWL SiLU and exp) as plain double arrays,
/// with a token-by-token forward that names every boundary exactly as the integer forward does
/// (<see cref="Reference"/>), so calibration sees the values each integer domain must hold and a
/// trace can put float and integer side by side. Its twin is the TorchSharp model (a Training test
/// checks they agree); it exists so that quantization needs no libtorch.</summary>
public sealed class FloatModel
{
    public ModelConfig Config { get; }
    public PwlTable Silu { get; }
    public PwlTable Exp { get; }
    public FloatBlock[] Blocks { get; }
    // Vision / radar
    public double[]? EmbedW, EmbedB, Pos, HeadW, HeadB;       // (D, PD), (D), (T, D), (O, D), (O)
    // Language model
    public double[]? TokenEmbedding, EmbedInW, EmbedOutW;     // (V, e), (D, e), (e, D)
    public double[] NormFW { get; }
    public double[] NormFB { get; }

    public sealed record FloatBlock(double[] NormW, double[] NormB, double[] InProj, double[] ConvW, double[] ConvB,
        double[] XProj, double[] DtW, double[] DtB, double[] A, double[] D, double[] OutProj);

    /// <summary>The model of a float checkpoint, with the PWL tables of <paramref name="approx"/> when
    /// given (else the checkpoint's own). Refuses a model that is not eMamba in every operator: the
    /// integer semantics exist for those operators only.</summary>
    public FloatModel(FloatCheckpoint ck, ApproxFile? approx)
    {
        var c = ck.Config.Model;
        PwlTable Table(PwlFunction f, Impl setting)
        {
            if (approx != null && approx.Tables.TryGetValue(f, out var t)) return t;
            if (setting != Impl.Pwl)
                throw new EMambaException($"{ck.Path}: the model computes {f.Name()} exactly and no --approx table for it was given; the integer engine needs PWL SiLU and exp (fit them with 'emamba approx fit')", ExitCodes.BadInput);
            var (k, v) = (TensorNames.Pwl(f).Knots, TensorNames.Pwl(f).Values);
            long n = ck.File[k].ElementCount;
            return new PwlTable(f, [.. ck.Floats(k, n).Select(x => (double)x)], [.. ck.Floats(v, n).Select(x => (double)x)]);
        }
        if (c.Arch != Arch.Mamba) throw new EMambaException($"{ck.Path}: arch '{c.Arch.Name()}' cannot be quantized; the integer engine runs eMamba models (arch mamba)", ExitCodes.BadInput);
        var wrong = new List<string>();
        if (c.Norm != Norm.Range) wrong.Add($"norm '{c.Norm.Name()}' (needs range)");
        if (c.DeltaAct != DeltaAct.Relu) wrong.Add($"delta_act '{c.DeltaAct.Name()}' (needs relu)");
        if (wrong.Count > 0)
            throw new EMambaException($"{ck.Path}: not an eMamba model: {string.Join(", ", wrong)}; the integer semantics cover range norm and ReLU Delta only (train with those, e.g. the range-relu stage of 'emamba ablation')", ExitCodes.BadInput);
        Config = c with { Silu = Impl.Pwl, Exp = Impl.Pwl };
        Silu = Table(PwlFunction.Silu, c.Silu);
        Exp = Table(PwlFunction.Exp, c.Exp);
        int d = c.DModel, din = c.DInner, n = c.DState, r = c.DtRankValue, k = c.DConv;
        double[] F(string name, params long[] shape) => [.. ck.Floats(name, shape).Select(x => (double)x)];
        Blocks = new FloatBlock[c.NLayers];
        for (int i = 0; i < c.NLayers; i++)
        {
            var nm = TensorNames.Block(i);
            var aLog = F(nm.ALog, din, n);
            Blocks[i] = new FloatBlock(F(nm.NormWeight, d), F(nm.NormBias, d), F(nm.InProjWeight, 2 * din, d),
                F(nm.Conv1dWeight, din, 1, k), F(nm.Conv1dBias, din), F(nm.XProjWeight, r + 2 * n, din),
                F(nm.DtProjWeight, din, r), F(nm.DtProjBias, din), [.. aLog.Select(v => -Math.Exp(v))],
                F(nm.D, din), F(nm.OutProjWeight, d, din));
        }
        NormFW = F(TensorNames.NormF.Weight, d); NormFB = F(TensorNames.NormF.Bias, d);
        if (c.Head == Head.Lm)
        {
            int e = c.EmbedWidth;
            TokenEmbedding = F(TensorNames.Lm.Embedding, c.Vocab, e);
            if (e < d) { EmbedInW = F(TensorNames.Lm.EmbedIn, d, e); EmbedOutW = F(TensorNames.Lm.EmbedOut, e, d); }
        }
        else
        {
            EmbedW = F(TensorNames.PatchEmbed.Weight, d, c.PatchDim); EmbedB = F(TensorNames.PatchEmbed.Bias, d); Pos = F(TensorNames.PatchEmbed.Pos, c.Tokens, d);
            HeadW = F(TensorNames.Head.Weight, c.NumOutputs, d); HeadB = F(TensorNames.Head.Bias, c.NumOutputs);
        }
    }

    /// <summary>What a float forward carries between tokens: per block the conv window and the state.</summary>
    public sealed class State(FloatModel m)
    {
        public double[][] Window { get; } = [.. m.Blocks.Select(_ => new double[m.Config.DInner * (m.Config.DConv - 1)])];
        public double[][] H { get; } = [.. m.Blocks.Select(_ => new double[m.Config.DInner * m.Config.DState])];
        public int Position { get; set; }
    }

    /// <summary>Observes a float boundary: the same names and order as the integer <see cref="ITap"/>.</summary>
    public delegate void Tap(string name, int token, ReadOnlySpan<double> values);

    /// <summary>Vision / radar forward of one normalised sample (C, H, W) -> outputs.</summary>
    public double[] Run(ReadOnlySpan<double> input, Tap? tap = null)
    {
        var c = Config; int d = c.DModel;
        var st = new State(this);
        var pooled = new double[d];
        var patch = new double[c.PatchDim];
        tap?.Invoke("input", 0, input);
        for (int t = 0; t < c.Tokens; t++)
        {
            PatchOf(input, t, patch);
            var x = new double[d];
            for (int j = 0; j < d; j++) x[j] = EmbedB![j] + Pos![t * d + j] + Dot(patch, EmbedW!, j * c.PatchDim);
            tap?.Invoke("x0", t, x);
            var nf = Through(st, x, t, tap);
            for (int j = 0; j < d; j++) pooled[j] += nf[j];
        }
        tap?.Invoke("pooled", 0, pooled);
        var o = new double[c.NumOutputs];
        for (int j = 0; j < o.Length; j++) o[j] = HeadB![j] + Dot(pooled, HeadW!, j * d) / c.Tokens;
        tap?.Invoke("out", 0, o);
        return o;
    }

    /// <summary>Language model: the logits after one token, advancing the state.</summary>
    public double[] Step(State st, int token, Tap? tap = null)
    {
        var c = Config; int d = c.DModel, e = c.EmbedWidth, t = st.Position;
        var emb = TokenEmbedding!.AsSpan(token * e, e).ToArray();
        var x = emb;
        if (EmbedInW != null) { x = new double[d]; for (int j = 0; j < d; j++) x[j] = Dot(emb, EmbedInW, j * e); }
        tap?.Invoke("x0", t, x);
        var nf = Through(st, x, t, tap);
        var hv = nf;
        if (EmbedOutW != null) { hv = new double[e]; for (int j = 0; j < e; j++) hv[j] = Dot(nf, EmbedOutW, j * d); tap?.Invoke("embed_out", t, hv); }
        var logits = new double[c.Vocab];
        for (int v = 0; v < logits.Length; v++) logits[v] = Dot(hv, TokenEmbedding!, v * e);
        tap?.Invoke("out", t, logits);
        st.Position++;
        return logits;
    }

    private double[] Through(State st, double[] x, int t, Tap? tap)
    {
        for (int i = 0; i < Blocks.Length; i++) x = Block(i, st, x, t, tap);
        var nf = RangeNorm(x, NormFW, NormFB);
        tap?.Invoke("norm_f", t, nf);
        return nf;
    }

    private void PatchOf(ReadOnlySpan<double> input, int t, Span<double> patch)
    {
        var c = Config;
        int p = c.Patch, gw = c.Width / p, r0 = t / gw * p, c0 = t % gw * p, k = 0;
        for (int ch = 0; ch < c.InChannels; ch++)
            for (int i = 0; i < p; i++)
                for (int j = 0; j < p; j++)
                    patch[k++] = input[(ch * c.Height + r0 + i) * c.Width + c0 + j];
    }

    private static double Dot(ReadOnlySpan<double> x, double[] w, int offset)
    {
        double s = 0;
        for (int i = 0; i < x.Length; i++) s += x[i] * w[offset + i];
        return s;
    }

    /// <summary>y = gamma (x - mean) / (max(x - mean) - min(x - mean) + 1e-5) + beta (the float twin of doc §5).</summary>
    public static double[] RangeNorm(double[] x, double[] g, double[] b)
    {
        double mean = x.Average(), mx = double.MinValue, mn = double.MaxValue;
        foreach (var v in x) { mx = Math.Max(mx, v - mean); mn = Math.Min(mn, v - mean); }
        double inv = 1 / (mx - mn + 1e-5);
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++) y[i] = g[i] * (x[i] - mean) * inv + b[i];
        return y;
    }

    // x: (D) -> (D), one token through block i, tapping the boundaries of doc §3.
    private double[] Block(int i, State st, double[] x, int t, Tap? tap)
    {
        var b = Blocks[i]; var c = Config;
        int d = c.DModel, din = c.DInner, n = c.DState, r = c.DtRankValue, k = c.DConv, kw = k - 1;
        string p = $"blocks.{i}.";
        var nrm = RangeNorm(x, b.NormW, b.NormB);
        tap?.Invoke(p + "n", t, nrm);
        var u0 = new double[din]; var z = new double[din];
        for (int j = 0; j < din; j++) { u0[j] = Dot(nrm, b.InProj, j * d); z[j] = Dot(nrm, b.InProj, (din + j) * d); }
        tap?.Invoke(p + "u0", t, u0); tap?.Invoke(p + "z", t, z);
        var w = st.Window[i]; var u = new double[din];
        for (int ch = 0; ch < din; ch++)
        {
            double acc = b.ConvB[ch];
            for (int j = 0; j < kw; j++) acc += b.ConvW[ch * k + j] * w[ch * kw + j];
            acc += b.ConvW[ch * k + kw] * u0[ch];
            u[ch] = acc;
            for (int j = 0; j + 1 < kw; j++) w[ch * kw + j] = w[ch * kw + j + 1];
            if (kw > 0) w[ch * kw + kw - 1] = u0[ch];
        }
        tap?.Invoke(p + "uc", t, u);
        if (c.ConvSilu) { for (int ch = 0; ch < din; ch++) u[ch] = Silu.Eval(u[ch]); tap?.Invoke(p + "u", t, u); }
        var dbc = new double[r + 2 * n];
        for (int j = 0; j < dbc.Length; j++) dbc[j] = Dot(u, b.XProj, j * din);
        tap?.Invoke(p + "dt", t, dbc.AsSpan(0, r)); tap?.Invoke(p + "B", t, dbc.AsSpan(r, n)); tap?.Invoke(p + "C", t, dbc.AsSpan(r + n, n));
        var delta = new double[din];
        for (int ch = 0; ch < din; ch++) delta[ch] = Math.Max(0, b.DtB[ch] + Dot(dbc.AsSpan(0, r), b.DtW, ch * r));
        tap?.Invoke(p + "delta", t, delta);
        var h = st.H[i]; var y = new double[din];
        var e = new double[din * n]; var abar = new double[din * n];
        for (int ch = 0; ch < din; ch++)
        {
            double acc = 0;
            for (int s = 0; s < n; s++)
            {
                e[ch * n + s] = delta[ch] * b.A[ch * n + s];
                abar[ch * n + s] = Exp.Eval(e[ch * n + s]);
                h[ch * n + s] = abar[ch * n + s] * h[ch * n + s] + delta[ch] * dbc[r + s] * u[ch];
                acc += dbc[r + n + s] * h[ch * n + s];
            }
            y[ch] = acc + b.D[ch] * u[ch];
        }
        tap?.Invoke(p + "e", t, e); tap?.Invoke(p + "abar", t, abar); tap?.Invoke(p + "h", t, h);
        tap?.Invoke(p + "y", t, y);
        var g = new double[din];
        for (int ch = 0; ch < din; ch++) g[ch] = y[ch] * Silu.Eval(z[ch]);
        tap?.Invoke(p + "s", t, z.Select(Silu.Eval).ToArray());
        tap?.Invoke(p + "g", t, g);
        var o = new double[d];
        for (int j = 0; j < d; j++) o[j] = Dot(g, b.OutProj, j * din);
        tap?.Invoke(p + "o", t, o);
        var res = new double[d];
        for (int j = 0; j < d; j++) res[j] = x[j] + o[j];
        tap?.Invoke(p + "r", t, res);
        return res;
    }
}
