using EMamba.Core.Integer;
using static EMamba.Core.Integer.IntOps;

namespace EMamba.Engine;

/// <summary>The plain reference of the integer forward pass: one method per operation of
/// docs/integer.md, in pipeline order, shapes in comments, every value a code held in a long. It is
/// written to be read and to be the definition the fast path and the RTL are
/// compared with; it is not fast. Every intermediate can be observed through a <see cref="ITap"/>
/// (that is how traces and the RTL testbench vectors are made).
///
/// Glossary (doc symbol -> code): x residual stream, n normed, u0/z in_proj halves, uc conv output,
/// u conv output after SiLU, dt/B/C x_proj parts, Delta ReLU(dt_proj), a = -A, e exp input,
/// abar = A_bar, h state, y readout + D skip, s SiLU(z), g gate, o out_proj, r next residual.</summary>
public static class Reference
{
    /// <summary>Runs a vision / radar model on one sample's input codes (C, H, W) and returns the head's
    /// outputs (NumOutputs codes at <see cref="IntModel.Output"/>).</summary>
    public static long[] Run(IntModel m, ReadOnlySpan<long> input, ITap? tap = null)
    {
        if (m.Embed is not { } embed || m.Head is not { } head) throw new InvalidOperationException("Run is for vision / radar models; language models use Step");
        var cfg = m.Config;
        var state = new ModelState(m);
        long[] pooled = new long[cfg.DModel];                     // (D) sum over tokens of the final norm
        long[] patch = new long[cfg.PatchDim], x = new long[cfg.DModel];
        for (int t = 0; t < m.Tokens; t++)
        {
            Patch(cfg, input, t, patch);                          // (C*P*P)
            Linear(embed, patch, t, x);                           // (D) with the position table in the token bias
            tap?.Tensor("x0", t, x);
            long[] nf = Blocks(m, state, x, t, tap);              // (D)
            for (int d = 0; d < nf.Length; d++) pooled[d] += nf[d];
        }
        tap?.Tensor("pooled", 0, pooled);
        var outp = new long[head.OutFeatures];
        Linear(head, pooled, 0, outp);                            // (NumOutputs), 1/T folded into the weights
        tap?.Tensor("out", 0, outp);
        return outp;
    }

    /// <summary>One token of a language model: the logits (Vocab codes at <see cref="IntModel.Output"/>)
    /// after feeding <paramref name="token"/> on top of <paramref name="state"/>, which it advances.</summary>
    public static long[] Step(IntModel m, ModelState state, int token, ITap? tap = null)
    {
        if (m.TokenEmbedding is not { } table) throw new InvalidOperationException("Step is for language models");
        int e = m.Config.EmbedWidth, d = m.Config.DModel, t = state.Position;
        if ((uint)token >= (uint)m.Config.Vocab) throw new ArgumentOutOfRangeException(nameof(token), $"token {token} is outside the vocabulary of {m.Config.Vocab}");
        long[] emb = new long[e];
        for (int i = 0; i < e; i++) emb[i] = table[token * e + i];     // (e) at TokenEmbeddingFrac
        long[] x = emb;
        if (m.EmbedIn is { } ei) { x = new long[d]; Linear(ei, emb, 0, x); }
        tap?.Tensor("x0", t, x);
        long[] nf = Blocks(m, state, x, t, tap);
        long[] hv = nf;
        if (m.EmbedOut is { } eo) { hv = new long[e]; Linear(eo, nf, 0, hv); tap?.Tensor("embed_out", t, hv); }
        var logits = new long[m.Config.Vocab];                   // (V) tied head: E . h
        for (int v = 0; v < logits.Length; v++)
        {
            long acc = 0;
            for (int i = 0; i < e; i++) acc += table[v * e + i] * hv[i];
            logits[v] = m.Output.Clamp(acc);
        }
        tap?.Tensor("out", t, logits);
        state.Position++;
        return logits;
    }

    // x: (D) at the first block's input -> final norm's output (D); advances each block's state.
    private static long[] Blocks(IntModel m, ModelState state, long[] x, int t, ITap? tap)
    {
        for (int i = 0; i < m.Blocks.Length; i++) x = Block(m.Blocks[i], state.Blocks[i], x, t, tap);
        var nf = new long[x.Length];
        RangeNorm(m.FinalNorm, x, nf);
        tap?.Tensor("norm_f", t, nf);
        return nf;
    }

    /// <summary>Patch t of the input, in PatchEmbed's order: (C, P, P) of the patch at row t / gw, column t % gw.</summary>
    public static void Patch(Core.ModelConfig cfg, ReadOnlySpan<long> input, int t, Span<long> patch)
    {
        int p = cfg.Patch, gw = cfg.Width / p, r0 = t / gw * p, c0 = t % gw * p, k = 0;
        for (int c = 0; c < cfg.InChannels; c++)
            for (int i = 0; i < p; i++)
                for (int j = 0; j < p; j++)
                    patch[k++] = input[(c * cfg.Height + r0 + i) * cfg.Width + c0 + j];
    }

    /// <summary>doc §4: out_j = Out.Clamp(RoundShift((bias_j + sum_i x_i w_ji) Mult_j, Shift_j)).</summary>
    public static void Linear(IntLinear l, ReadOnlySpan<long> x, int token, Span<long> y)
    {
        for (int j = 0; j < l.OutFeatures; j++)
        {
            long acc = Dot(x, l.Row(j), l.BiasAt(token, j));
            y[j] = l.Out.Clamp(RoundShift(acc * l.Mult[j], l.Shift[j]));
        }
    }

    /// <summary>doc §5: t = RangeNormT(x) (Q14), y_i = Out.Clamp(RoundShift(t_i gamma_i + beta_i, 14 + GammaFrac - Out.Frac)).</summary>
    public static void RangeNorm(IntRangeNorm n, ReadOnlySpan<long> x, Span<long> y)
    {
        long[] tb = new long[x.Length];
        RangeNormT(x, n.Recip, n.In.Bits, tb);
        int s = NormTFrac + n.GammaFrac - n.Out.Frac;
        for (int i = 0; i < x.Length; i++) y[i] = n.Out.Clamp(RoundShift(tb[i] * n.Gamma[i] + n.Beta[i], s));
    }

    /// <summary>doc §6: the causal depthwise conv of one token. window holds the K-1 previous inputs per
    /// channel (oldest first, zeros at the start), (Din, K-1); it is advanced by this token.</summary>
    public static void CausalConv(IntConv cv, ReadOnlySpan<long> u0, long[] window, Span<long> y)
    {
        int k = cv.Kernel, kw = k - 1;
        for (int c = 0; c < cv.Channels; c++)
        {
            long acc = cv.Bias[c];
            for (int j = 0; j < kw; j++) acc += cv.Weight[c * k + j] * window[c * kw + j];
            acc += cv.Weight[c * k + kw] * u0[c];
            y[c] = cv.Out.Clamp(RoundShift(acc * cv.Mult[c], cv.Shift[c]));
            for (int j = 0; j + 1 < kw; j++) window[c * kw + j] = window[c * kw + j + 1];
            if (kw > 0) window[c * kw + kw - 1] = u0[c];
        }
    }

    // x: (D) -> r: (D), one token through one block (doc §3, in order).
    private static long[] Block(IntBlock b, BlockState st, long[] x, int t, ITap? tap)
    {
        int din = b.DInner, n = b.DState, r = b.DtRank;
        string p = $"blocks.{b.Index}.";
        var nrm = new long[x.Length];
        RangeNorm(b.Norm, x, nrm);                                             // (D)
        tap?.Tensor(p + "n", t, nrm);
        var uz = new long[2 * din];
        Linear(b.InProj, nrm, 0, uz);                                          // (2 Din) = [u0 | z]
        var u0 = uz.AsSpan(0, din); var z = uz.AsSpan(din, din);
        tap?.Tensor(p + "u0", t, u0); tap?.Tensor(p + "z", t, z);
        var u = new long[din];
        CausalConv(b.Conv, u0, st.Window, u);                                  // (Din)
        tap?.Tensor(p + "uc", t, u);
        if (b.ConvSilu is { } cs) { for (int c = 0; c < din; c++) u[c] = Pwl(u[c], cs); tap?.Tensor(p + "u", t, u); }
        var dbc = new long[r + 2 * n];
        Linear(b.XProj, u, 0, dbc);                                            // (R + 2N) = [dt | B | C]
        var dt = dbc.AsSpan(0, r); var bm = dbc.AsSpan(r, n); var cm = dbc.AsSpan(r + n, n);
        tap?.Tensor(p + "dt", t, dt); tap?.Tensor(p + "B", t, bm); tap?.Tensor(p + "C", t, cm);
        var delta = new long[din];
        Linear(b.DtProj, dt, 0, delta);                                        // (Din) unsigned: ReLU by saturation
        tap?.Tensor(p + "delta", t, delta);
        var y = new long[din];
        Scan(b, st.H, delta, bm, cm, u, y, p, t, tap);                         // (Din), advances h (Din, N)
        tap?.Tensor(p + "y", t, y);
        var g = new long[din];
        for (int c = 0; c < din; c++) g[c] = Gate(b, y[c], Pwl(z[c], b.Silu)); // (Din)
        tap?.Tensor(p + "g", t, g);
        var o = new long[x.Length];
        Linear(b.OutProj, g, 0, o);                                            // (D)
        tap?.Tensor(p + "o", t, o);
        var res = new long[x.Length];
        for (int i = 0; i < x.Length; i++) res[i] = Residual(b, x[i], o[i]);   // (D)
        tap?.Tensor(p + "r", t, res);
        return res;
    }

    /// <summary>doc §8-§11: per channel c and state index k: e = max(-RoundShift(Delta_c a_ck, fDelta + fa - fe), ExpIn.Min),
    /// A_bar = PWL exp(e), the state update with Bx = Delta_c B_k u_c, and the readout y_c = C . h_c + D_c u_c.</summary>
    public static void Scan(IntBlock b, long[] h, ReadOnlySpan<long> delta, ReadOnlySpan<long> bm, ReadOnlySpan<long> cm,
        ReadOnlySpan<long> u, Span<long> y, string p = "", int t = 0, ITap? tap = null)
    {
        int din = b.DInner, n = b.DState;
        Domain dl = b.DtProj.Out, a = b.A, e = b.ExpIn, ab = b.Exp.Out, hs = b.State, bd = b.B, cd = b.C;
        int eShift = dl.Frac + a.Frac - e.Frac;
        int bxFrac = dl.Frac + bd.Frac + b.U.Frac, accFrac = ab.Frac + hs.Frac, yAccFrac = cd.Frac + hs.Frac;
        long[]? abarT = tap != null ? new long[din * n] : null;
        for (int c = 0; c < din; c++)
        {
            long yacc = 0;
            for (int k = 0; k < n; k++)
            {
                long ek = Math.Max(-RoundShift(delta[c] * b.ANeg[c * n + k], eShift), e.Min);
                long abar = Pwl(ek, b.Exp);
                if (abarT != null) abarT[c * n + k] = abar;
                long bx = delta[c] * bm[k] * u[c];
                h[c * n + k] = StateUpdate(h[c * n + k], abar, Align(bx, bxFrac, accFrac), ab.Frac, hs.Bits);
                yacc += cm[k] * h[c * n + k];
            }
            yacc += Align(b.DSkip[c] * u[c], b.DFrac + b.U.Frac, yAccFrac);
            y[c] = b.Y.Clamp(RoundShift(yacc, yAccFrac - b.Y.Frac));
        }
        if (tap != null) { tap.Tensor(p + "abar", t, abarT!); tap.Tensor(p + "h", t, h); }
    }

    /// <summary>doc §12: g = Gate.Clamp(RoundShift(y s, fy + fs - fg)).</summary>
    public static long Gate(IntBlock b, long y, long s) => b.Gate.Clamp(RoundShift(y * s, b.Y.Frac + b.Silu.Out.Frac - b.Gate.Frac));

    /// <summary>doc §14: both operands aligned to the finer of their fracs (exact left shifts), added, and
    /// brought to the residual's domain once: r = Residual.Clamp(RoundShift(x' + o', m - fr)).</summary>
    public static long Residual(IntBlock b, long x, long o)
    {
        int fx = b.Norm.In.Frac, fo = b.OutProj.Out.Frac, m = Math.Max(fx, fo);
        return b.Residual.Clamp(RoundShift(Align(x, fx, m) + Align(o, fo, m), m - b.Residual.Frac));
    }
}
