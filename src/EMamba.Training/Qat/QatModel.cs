using EMamba.Core;
using EMamba.Core.Checkpoints;
using EMamba.Core.Integer;
using EMamba.Engine.Quantize;
using EMamba.Training.Modules;
using TorchSharp;
using static TorchSharp.torch;
using static EMamba.Training.Qat.FakeQuant;

namespace EMamba.Training.Qat;

/// <summary>Quantization-aware training of a vision / radar eMamba model (docs/integer.md §21): the
/// forward is the integer forward of <see cref="EMamba.Engine.Reference"/>, op for op, on float64
/// tensors of codes (<see cref="FakeQuant"/>), under the boundary domains of a post-training
/// quantized template, with every weight, bias and A requantized from the float parameters each step
/// by the quantizer's own rules (<see cref="Quantizer.FracFor"/>, <see cref="Quantizer.Code"/>).
/// Gradients pass straight through the roundings. Its state_dict is the float model's (the same
/// names), so its checkpoints are ordinary float checkpoints, and quantizing one with the template's
/// domains pinned gives an integer model whose engine outputs equal this forward's.</summary>
public sealed class QatModel : nn.Module<Tensor, Tensor>
{
    private readonly MambaModel inner;
    private readonly IntModel tpl;
    private readonly Precision prec;
    private readonly Dictionary<string, TorchSharp.Modules.Parameter> p;
    private readonly PwlUnit[] exp, silu;
    private readonly PwlUnit?[] convSilu;
    private readonly Tensor[] recip;          // per range norm (blocks, then norm_f): RECIP table, float64
    private readonly ModelConfig c;

    public MambaModel Inner => inner;

    public QatModel(MambaModel inner, IntModel template, Precision precision) : base(nameof(QatModel))
    {
        if (template.Embed is null || template.Head is null) throw new EMambaException("quantization-aware training covers vision and radar models; language models are quantized after training only", ExitCodes.Usage);
        if (template.Config != inner.Config with { Silu = Impl.Pwl, Exp = Impl.Pwl })
            throw new EMambaException("the QAT template was quantized from a model of another config", ExitCodes.BadInput);
        this.inner = inner; tpl = template; prec = precision; c = inner.Config;
        foreach (var (name, child) in inner.named_children()) register_module(name, child);
        p = inner.named_parameters().ToDictionary(np => np.name, np => np.parameter);
        // The PWL tables are the template's codes: they do not train here (their float knots stay frozen).
        foreach (var (name, prm) in p) if (name.StartsWith(TensorNames.Parts.PwlPrefix, StringComparison.Ordinal)) prm.requires_grad = false;
        exp = [.. template.Blocks.Select(b => new PwlUnit(b.Exp))];
        silu = [.. template.Blocks.Select(b => new PwlUnit(b.Silu))];
        convSilu = [.. template.Blocks.Select(b => b.ConvSilu is { } cs ? new PwlUnit(cs) : null)];
        recip = [.. template.Blocks.Select(b => b.Norm.Recip).Append(template.FinalNorm.Recip)
            .Select(r => tensor(r.Select(v => (double)v).ToArray(), dtype: float64).DetachFromDisposeScope())];
    }

    /// <summary>Wraps a freshly built model for QAT under the domains of the quantized file at <paramref name="template"/>.</summary>
    public static QatModel Open(nn.Module<Tensor, Tensor> model, string template)
    {
        if (model is not MambaModel mm) throw new EMambaException("quantization-aware training covers eMamba vision and radar models (arch mamba, head classify or regress)", ExitCodes.BadConfig);
        var file = QuantFile.Load(template);
        if (!file.Metadata.TryGetValue("precision", out var pj)) throw new EMambaException($"{template}: its metadata has no precision", ExitCodes.BadInput);
        return new QatModel(mm, file.Model, Precision.Parse(pj, template));
    }

    private Tensor P(string name) => p[name].to(float64);

    // x: (B, C, H, W) normalised floats -> (B, NumOutputs) the integer outputs, dequantized (float32).
    public override Tensor forward(Tensor x)
    {
        // Without gradients (evaluation) a large batch runs in chunks: the float64 scan of one CIFAR-10
        // batch of 500 held over 20 GB and was killed by the OOM killer at the first validation.
        if (!is_grad_enabled() && x.shape[0] > EvalChunk)
            return cat(x.split(EvalChunk).Select(forward).ToArray(), 0);
        using var scope = NewDisposeScope();
        var (codes, frac) = Codes(x);
        return (codes * Math.Pow(2, -frac)).to(float32).MoveToOuterDisposeScope();
    }

    /// <summary>Samples per forward when no gradient is needed.</summary>
    public const int EvalChunk = 64;

    /// <summary>The input codes of normalised floats: RNE at the input's frac, saturated (Samples' rule).</summary>
    public Tensor InputCodes(Tensor x) => Clamp((x.to(float64) * Math.Pow(2, tpl.Input.Frac)).round(), tpl.Input);

    /// <summary>The head's output codes (B, NumOutputs) for input codes (B, C, H, W), and their frac (the
    /// template's output frac while the head's weight frac has not moved).</summary>
    public (Tensor Codes, int Frac) CodesOfInput(Tensor q)
    {
        long bsz = q.shape[0];
        int pp = c.Patch, gh = c.Height / pp, gw = c.Width / pp;
        var patches = q.reshape(bsz, c.InChannels, gh, pp, gw, pp).permute(0, 2, 4, 1, 3, 5).reshape(bsz, gh * gw, c.PatchDim); // (B, T, PD)
        var embed = tpl.Embed!;
        var pos = P(TensorNames.PatchEmbed.Pos).reshape(c.Tokens, c.DModel);                    // (T, D)
        var x = Linear("embed", patches, P(TensorNames.PatchEmbed.Weight), P(TensorNames.PatchEmbed.Bias) + pos, embed.In, [embed.Out]); // (B, T, D)
        for (int i = 0; i < tpl.Blocks.Length; i++)
        {
            // A block's intermediates are let go once it is done (autograd keeps what backward needs).
            using var blockScope = NewDisposeScope();
            x = Block(i, x).MoveToOuterDisposeScope();
        }
        var nf = RangeNorm("norm_f", x, P(TensorNames.NormF.Weight), P(TensorNames.NormF.Bias), tpl.FinalNorm, recip[^1]); // (B, T, D)
        var pooled = nf.sum(1);                                                                  // (B, D) at norm_f's frac
        var head = tpl.Head!;
        var hw = P(TensorNames.Head.Weight) / c.Tokens;                                          // 1/T folded in
        int hb = prec.WeightFor("head").Bits;
        long top = (1L << (hb - 1)) - 1;
        int f = Quantizer.FracFor(hw.abs().max().item<double>(), top);
        var hq = Code(hw, f).clamp(-top - 1, top);                                               // (O, D)
        int outFrac = head.In.Frac + f;
        var hbias = Code(P(TensorNames.Head.Bias), outFrac);                                      // (O)
        return (Clamp(pooled.matmul(hq.t()) + hbias, new Domain(outFrac, tpl.Output.Bits)), outFrac);
    }

    /// <summary>Codes of the input (normalised floats) through the whole integer forward.</summary>
    public (Tensor Codes, int Frac) Codes(Tensor x) => CodesOfInput(InputCodes(x));

    /// <summary>int codes of a weight (Out, In) with the quantizer's fracs: one per row (per channel) or
    /// one for the tensor, each putting the row's largest |w| just under 2^(bits-1).</summary>
    private (Tensor Q, int[] Frac) Weights(string layer, Tensor w)
    {
        var (bits, perChannel) = prec.WeightFor(layer);
        long top = (1L << (bits - 1)) - 1;
        int rows = (int)w.shape[0];
        int[] frac;
        if (perChannel)
        {
            var mx = w.detach().abs().amax([1]).data<double>().ToArray();
            frac = [.. mx.Select(m => Quantizer.FracFor(m, top))];
        }
        else frac = [.. Enumerable.Repeat(Quantizer.FracFor(w.detach().abs().max().item<double>(), top), rows)];
        return (Code(w, frac).clamp(-top - 1, top), frac);
    }

    /// <summary>doc §4 on (..., In) codes: rows j write domain outs[j] (one entry: all rows), biases at
    /// In.Frac + the row's frac (bias (Out) or (T, Out)); saturated at the first domain's width.</summary>
    private Tensor Linear(string layer, Tensor x, Tensor w, Tensor? bias, Domain input, Domain[] outs)
    {
        var (q, wf) = Weights(layer, w);                                       // (Out, In)
        int o = wf.Length;
        var acc = x.matmul(q.t());                                             // (..., Out)
        if (bias is not null)
        {
            // At In.Frac + the row's weight frac, rounded half to even and bounded as the quantizer does.
            var scaled = bias * tensor(wf.Select(f => Math.Pow(2, input.Frac + f)).ToArray(), dtype: float64);
            acc = acc + Straight(scaled, scaled.round()).clamp(-(1L << 40), 1L << 40);
        }
        var shift = Enumerable.Range(0, o).Select(j => input.Frac + wf[j] - (outs.Length == 1 ? outs[0] : outs[j]).Frac).ToArray();
        return Clamp(RoundShift(acc, shift), outs[0]);
    }

    /// <summary>doc §5: t = RoundShift((D x - sum x) RECIP[max - min], 2 + bits) in Q14 (0 for an empty range),
    /// y = Sat(RoundShift(t gamma + beta, 14 + gf - out frac)). The gradient of the reciprocal is 1/range's.</summary>
    private Tensor RangeNorm(string layer, Tensor x, Tensor gamma, Tensor beta, IntRangeNorm n, Tensor table)
    {
        int bits = n.In.Bits, dd = n.Width;
        var r = x.amax([-1], keepdim: true) - x.amin([-1], keepdim: true);      // (..., 1)
        var k = table.take(r.detach().to(int64));
        double big = Math.Pow(2, IntOps.NormRecipFrac(bits));
        var kf = big / (dd * r.clamp_min(1));
        k = k + (kf - kf.detach());                                            // value: the table's, gradient: 1/r's
        var cc = dd * x - x.sum(-1, keepdim: true);
        var t = RoundShift(cc * k, IntOps.NormRecipFrac(bits) - IntOps.NormTFrac);
        var (g, gf) = Weights(layer, gamma.unsqueeze(0));
        var b = Code(beta, IntOps.NormTFrac + gf[0]);
        return Clamp(RoundShift(t * g.squeeze(0) + b, IntOps.NormTFrac + gf[0] - n.Out.Frac), n.Out);
    }

    // x: (B, L, D) codes -> (B, L, D) codes, doc §3 in order (the engine's Block).
    private Tensor Block(int i, Tensor x)
    {
        var b = tpl.Blocks[i];
        var nm = TensorNames.Block(i);
        string pre = $"blocks.{i}.";
        int din = b.DInner, n = b.DState, r = b.DtRank, kc = c.DConv;
        long bsz = x.shape[0], len = x.shape[1];
        var nrm = RangeNorm(pre + "norm", x, P(nm.NormWeight), P(nm.NormBias), b.Norm, recip[i]);     // (B, L, D)
        var outs = Enumerable.Range(0, 2 * din).Select(j => j < din ? b.U0 : b.Z).ToArray();
        var uz = Linear(pre + "in_proj", nrm, P(nm.InProjWeight), null, b.Norm.Out, outs);           // (B, L, 2 Din)
        var u0 = uz.narrow(-1, 0, din); var z = uz.narrow(-1, din, din);
        // Causal depthwise conv: zeros before the first token; bias at u0 frac + the channel's frac.
        var (cw, cf) = Weights(pre + "conv1d", P(nm.Conv1dWeight).reshape(din, kc));                   // (Din, K)
        var cb = Code(P(nm.Conv1dBias) * tensor(cf.Select(f => Math.Pow(2, b.U0.Frac + f)).ToArray(), dtype: float64), 0);
        var win = nn.functional.pad(u0.transpose(1, 2), [kc - 1, 0]);                                  // (B, Din, K-1+L)
        var acc = nn.functional.conv1d(win, cw.unsqueeze(1), cb, groups: din).transpose(1, 2);       // (B, L, Din)
        var u = Clamp(RoundShift(acc, cf.Select(f => b.U0.Frac + f - b.Conv.Out.Frac).ToArray()), b.Conv.Out);
        if (convSilu[i] is { } cs) u = cs.Forward(u);
        var dbcOuts = Enumerable.Range(0, r + 2 * n).Select(j => j < r ? b.Dt : j < r + n ? b.B : b.C).ToArray();
        var dbc = Linear(pre + "x_proj", u, P(nm.XProjWeight), null, b.U, dbcOuts);                     // (B, L, R + 2N)
        var dt = dbc.narrow(-1, 0, r); var bm = dbc.narrow(-1, r, n); var cm = dbc.narrow(-1, r + n, n);
        var delta = Linear(pre + "dt_proj", dt, P(nm.DtProjWeight), P(nm.DtProjBias), b.Dt, [b.DtProj.Out]); // (B, L, Din) unsigned
        var y = Scan(i, b, P(nm.ALog), P(nm.D), delta, bm, cm, u);                                     // (B, L, Din)
        int gs = b.Y.Frac + b.Silu.Out.Frac - b.Gate.Frac;
        var g = Clamp(RoundShift(y * silu[i].Forward(z), gs), b.Gate);                                 // (B, L, Din)
        var o = Linear(pre + "out_proj", g, P(nm.OutProjWeight), null, b.Gate, [b.OutProj.Out]);      // (B, L, D)
        int fx = b.Norm.In.Frac, fo = b.OutProj.Out.Frac, m = Math.Max(fx, fo);
        return Clamp(RoundShift(RoundShift(x, fx - m) + RoundShift(o, fo - m), m - b.Residual.Frac), b.Residual);
    }

    // doc §8-§11 over all tokens: e, A_bar and Delta B u in parallel, the state serially in t.
    private Tensor Scan(int i, IntBlock b, Tensor aLog, Tensor dSkip, Tensor delta, Tensor bm, Tensor cm, Tensor u)
    {
        int din = b.DInner, n = b.DState;
        long bsz = delta.shape[0], len = delta.shape[1];
        // -A = exp(A_log) as unsigned codes at the frac its largest value allows (the quantizer's rule).
        var aNegF = aLog.exp();                                                                        // (Din, N)
        var aDom = b.A with { Frac = Quantizer.FracFor(aNegF.detach().max().item<double>(), (1L << b.A.Bits) - 1) };
        var aNeg = Code(aNegF, aDom.Frac).clamp(0, aDom.Max);
        Domain dl = b.DtProj.Out, e = b.ExpIn, ab = b.Exp.Out, hs = b.State;
        int eShift = dl.Frac + aDom.Frac - e.Frac;
        var ek = (-RoundShift(delta.unsqueeze(-1) * aNeg, eShift)).clamp_min(e.Min);                   // (B, L, Din, N)
        var abar = exp[i].Forward(ek);                                                                 // (B, L, Din, N)
        int bxFrac = dl.Frac + b.B.Frac + b.U.Frac, accFrac = ab.Frac + hs.Frac, yAccFrac = b.C.Frac + hs.Frac;
        var bx = RoundShift((delta * u).unsqueeze(-1) * bm.unsqueeze(2), bxFrac - accFrac);           // (B, L, Din, N)
        var h = zeros(bsz, din, n, dtype: float64);
        var hs_ = new List<Tensor>((int)len);
        for (long t = 0; t < len; t++)
        {
            h = Clamp(RoundShift(abar.select(1, t) * h + bx.select(1, t), ab.Frac), hs);                // (B, Din, N)
            hs_.Add(h);
        }
        var hAll = stack(hs_, 1);                                                                      // (B, L, Din, N)
        var (dq, df) = Weights($"blocks.{i}.D", dSkip.unsqueeze(0));
        var yacc = (hAll * cm.unsqueeze(2)).sum(-1) + RoundShift(dq.squeeze(0) * u, df[0] + b.U.Frac - yAccFrac); // (B, L, Din)
        return Clamp(RoundShift(yacc, yAccFrac - b.Y.Frac), b.Y);
    }
}
