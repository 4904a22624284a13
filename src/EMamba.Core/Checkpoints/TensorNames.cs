using EMamba.Core.Approx;

namespace EMamba.Core.Checkpoints;

/// <summary>The names of the tensors a float checkpoint holds: a contract between the modules that
/// register them (EMamba.Training), the checkpoints already written, and the TorchSharp-free readers
/// (the quantizer, the integer engine). The modules register their parts with the local names of
/// <see cref="Parts"/>; a full name is the path of local names joined by dots
/// (<c>blocks.0.in_proj.weight</c>). <see cref="Expected"/> lists every tensor of a config.
/// These names are frozen: renaming one breaks every checkpoint that exists
/// (<c>tests/EMamba.Training.Tests/Data/state-dict-names.txt</c> pins them).</summary>
public static class TensorNames
{
    /// <summary>Local names: what each module calls its parameters, buffers and submodules.</summary>
    public static class Parts
    {
        // TorchSharp's own layers (Linear, Conv1d, LayerNorm, Embedding) name their tensors so; the
        // norms and Conv3x3 written here use the same names.
        public const string Weight = "weight";
        public const string Bias = "bias";

        // Mamba vision/radar model and language model
        public const string Embed = "embed";            // PatchEmbed (vision/radar, ViT)
        public const string Embedding = "embedding";    // token embedding (LMs), tied with the logits
        public const string EmbedIn = "embed_in";       // Mamba LM, e < D: e -> D
        public const string EmbedOut = "embed_out";     // Mamba LM, e < D: D -> e
        public const string Blocks = "blocks";
        public const string NormF = "norm_f";
        public const string Head = "head";
        /// <summary>A PWL unit is <c>pwl_&lt;function&gt;</c> (<see cref="PwlUnit"/>); training freezes
        /// everything else by this prefix when only the approximations are fine-tuned.</summary>
        public const string PwlPrefix = "pwl_";
        public static string PwlUnit(PwlFunction f) => PwlPrefix + f.Name();
        public const string Knots = "knots";
        public const string Values = "values";

        // PatchEmbed
        public const string Proj = "proj";
        public const string Pos = "pos";                // learned positions (also the Transformer LM's)

        // Mamba block
        public const string Norm = "norm";
        public const string InProj = "in_proj";
        public const string Conv1d = "conv1d";
        public const string XProj = "x_proj";
        public const string DtProj = "dt_proj";
        public const string ALog = "A_log";
        public const string D = "D";
        public const string OutProj = "out_proj";       // also the attention's output projection

        // Transformer block and attention (ViT, Transformer LM)
        public const string Ln1 = "ln1";
        public const string Ln2 = "ln2";
        public const string Attn = "attn";
        public const string Fc1 = "fc1";
        public const string Fc2 = "fc2";
        public const string Qkv = "qkv";

        // CNN: stages.s is a sequence conv1, bn1, relu1, conv2, bn2, relu2; batch norms keep buffers
        public const string Stages = "stages";
        public const string Conv1 = "conv1";
        public const string Bn1 = "bn1";
        public const string Relu1 = "relu1";
        public const string Conv2 = "conv2";
        public const string Bn2 = "bn2";
        public const string Relu2 = "relu2";
        public const string RunningMean = "running_mean";
        public const string RunningVar = "running_var";
    }

    /// <summary>A full name from local names: <c>Join("blocks", "0", "in_proj")</c> = <c>blocks.0.in_proj</c>.</summary>
    public static string Join(params string[] parts) => string.Join('.', parts);

    private static string Str(int i) => i.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The tensors of the <paramref name="i"/>-th Mamba block (vision/radar model and LM alike).</summary>
    public static MambaBlockNames Block(int i) => new(Join(Parts.Blocks, Str(i)));

    /// <summary>The patch embedding (Mamba vision/radar model and ViT).</summary>
    public static class PatchEmbed
    {
        public static readonly string Weight = Join(Parts.Embed, Parts.Proj, Parts.Weight);
        public static readonly string Bias = Join(Parts.Embed, Parts.Proj, Parts.Bias);
        public static readonly string Pos = Join(Parts.Embed, Parts.Pos);
    }

    /// <summary>The final norm (every architecture but the CNN); Bias exists for layer and range norm only.</summary>
    public static class NormF
    {
        public static readonly string Weight = Join(Parts.NormF, Parts.Weight);
        public static readonly string Bias = Join(Parts.NormF, Parts.Bias);
    }

    /// <summary>The linear head of the vision/radar models (language models have none: logits come
    /// through the embedding matrix).</summary>
    public static class Head
    {
        public static readonly string Weight = Join(Parts.Head, Parts.Weight);
        public static readonly string Bias = Join(Parts.Head, Parts.Bias);
    }

    /// <summary>The language models' token embedding and (Mamba LM, e &lt; D) its projections.</summary>
    public static class Lm
    {
        public static readonly string Embedding = Join(Parts.Embedding, Parts.Weight);
        public static readonly string EmbedIn = Join(Parts.EmbedIn, Parts.Weight);
        public static readonly string EmbedOut = Join(Parts.EmbedOut, Parts.Weight);
        /// <summary>The Transformer LM's position table (<see cref="ModelConfig.TransformerContext"/> rows).</summary>
        public const string Pos = Parts.Pos;
    }

    /// <summary>The knots and values of a model's piecewise-linear unit for <paramref name="f"/> (one per model, shared by its blocks).</summary>
    public static PwlNames Pwl(PwlFunction f) => new(Join(Parts.PwlUnit(f), Parts.Knots), Join(Parts.PwlUnit(f), Parts.Values));

    /// <summary>The tensors of the <paramref name="i"/>-th transformer block (ViT, Transformer LM).</summary>
    public static TransformerBlockNames TransformerBlock(int i) => new(Join(Parts.Blocks, Str(i)));

    /// <summary>The CNN's layers: stage s, conv/batch norm 1 or 2.</summary>
    public static class Cnn
    {
        public static string ConvWeight(int stage, int layer) => Join(Parts.Stages, Str(stage), Conv(layer), Parts.Weight);
        public static BatchNormNames Bn(int stage, int layer) => new(Join(Parts.Stages, Str(stage), layer switch
        {
            1 => Parts.Bn1,
            2 => Parts.Bn2,
            _ => throw new ArgumentOutOfRangeException(nameof(layer), "a stage has layers 1 and 2"),
        }));
        private static string Conv(int layer) => layer switch
        {
            1 => Parts.Conv1,
            2 => Parts.Conv2,
            _ => throw new ArgumentOutOfRangeException(nameof(layer), "a stage has layers 1 and 2"),
        };
    }

    /// <summary>Every tensor a model of <paramref name="c"/> holds, in the order the model's state
    /// dictionary lists them (parameters, each module's own before its submodules', then buffers).
    /// <paramref name="knots"/>: knot counts of the PWL units (default: the default table's).</summary>
    public static IReadOnlyList<TensorEntry> Expected(ModelConfig c, IReadOnlyDictionary<PwlFunction, int>? knots = null)
    {
        var p = new List<TensorEntry>();
        var buffers = new List<TensorEntry>();
        void Add(string name, params long[] shape) => p.Add(new TensorEntry(name, shape));
        long d = c.DModel, o = c.NumOutputs;
        void Norm(string prefix)
        {
            Add(Join(prefix, Parts.Weight), d);
            if (c.Norm != EMamba.Core.Norm.Rms) Add(Join(prefix, Parts.Bias), d);
        }
        void PatchEmbedT()
        {
            Add(PatchEmbed.Pos, c.Tokens, d);
            Add(PatchEmbed.Weight, d, c.PatchDim);
            Add(PatchEmbed.Bias, d);
        }
        void Blocks()
        {
            long di = c.DInner, n = c.DState, r = c.DtRankValue;
            for (int i = 0; i < c.NLayers; i++)
            {
                var b = Block(i);
                Add(b.ALog, di, n);
                Add(b.D, di);
                Norm(b.Norm);
                Add(b.InProjWeight, 2 * di, d);
                Add(b.Conv1dWeight, di, 1, c.DConv);
                Add(b.Conv1dBias, di);
                Add(b.XProjWeight, r + 2 * n, di);
                Add(b.DtProjWeight, di, r);
                Add(b.DtProjBias, di);
                Add(b.OutProjWeight, d, di);
            }
        }
        void Pwls()
        {
            foreach (var (f, on) in new[] { (PwlFunction.Silu, c.Silu == Impl.Pwl), (PwlFunction.Exp, c.Exp == Impl.Pwl) })
            {
                if (!on) continue;
                long k = knots != null && knots.TryGetValue(f, out int kc) ? kc : f.Default().Segments + 1;
                var u = Pwl(f);
                Add(u.Knots, k);
                Add(u.Values, k);
            }
        }
        void TransformerBlocks()
        {
            long h = c.MlpRatio * d;
            for (int i = 0; i < c.NLayers; i++)
            {
                var b = TransformerBlock(i);
                Add(b.Ln1Weight, d); Add(b.Ln1Bias, d);
                Add(b.Ln2Weight, d); Add(b.Ln2Bias, d);
                Add(b.QkvWeight, 3 * d, d); Add(b.QkvBias, 3 * d);
                Add(b.AttnOutProjWeight, d, d); Add(b.AttnOutProjBias, d);
                Add(b.Fc1Weight, h, d); Add(b.Fc1Bias, h);
                Add(b.Fc2Weight, d, h); Add(b.Fc2Bias, d);
            }
        }
        switch (c.Arch)
        {
            case Arch.Mamba when c.Head == EMamba.Core.Head.Lm:
                long e = c.EmbedWidth;
                Add(Lm.Embedding, c.Vocab, e);
                if (e < d) { Add(Lm.EmbedIn, d, e); Add(Lm.EmbedOut, e, d); }
                Blocks();
                Norm(Parts.NormF);
                Pwls();
                break;
            case Arch.Mamba:
                PatchEmbedT();
                Blocks();
                Norm(Parts.NormF);
                Pwls();
                Add(Head.Weight, o, d); Add(Head.Bias, o);
                break;
            case Arch.Vit:
                PatchEmbedT();
                TransformerBlocks();
                Add(NormF.Weight, d); Add(NormF.Bias, d);
                Add(Head.Weight, o, d); Add(Head.Bias, o);
                break;
            case Arch.Transformer:
                Add(Lm.Pos, ModelConfig.TransformerContext, d);
                Add(Lm.Embedding, c.Vocab, d);
                TransformerBlocks();
                Add(NormF.Weight, d); Add(NormF.Bias, d);
                break;
            case Arch.Cnn:
                long cin = c.InChannels;
                for (int s = 0; s < c.NLayers; s++)
                {
                    long ch = d << s;
                    foreach (int layer in new[] { 1, 2 })
                    {
                        Add(Cnn.ConvWeight(s, layer), ch, layer == 1 ? cin : ch, 3, 3);
                        var bn = Cnn.Bn(s, layer);
                        Add(bn.Weight, ch); Add(bn.Bias, ch);
                        buffers.Add(new TensorEntry(bn.RunningMean, [ch], Buffer: true));
                        buffers.Add(new TensorEntry(bn.RunningVar, [ch], Buffer: true));
                    }
                    cin = ch;
                }
                Add(Head.Weight, o, cin); Add(Head.Bias, o);
                break;
            default:
                throw new ArgumentException($"arch '{c.Arch}' is not one of {string.Join(", ", Switches.Names<Arch>())}");
        }
        p.AddRange(buffers);
        return p;
    }
}

/// <summary>One tensor of a checkpoint: its full name, shape, and whether it is a buffer (state such as
/// batch-norm running statistics, not trained by the optimiser).</summary>
public sealed record TensorEntry(string Name, long[] Shape, bool Buffer = false)
{
    public override string ToString() => $"{Name} [{string.Join(",", Shape)}]";
}

/// <summary>The tensors of one Mamba block under <paramref name="Prefix"/> (<c>blocks.i</c>).</summary>
public sealed record MambaBlockNames(string Prefix)
{
    private string N(params string[] parts) => TensorNames.Join([Prefix, .. parts]);
    /// <summary>The block's norm (<c>blocks.i.norm</c>); its tensors are Norm + ".weight" (and ".bias" unless rms).</summary>
    public string Norm => N(TensorNames.Parts.Norm);
    public string NormWeight => N(TensorNames.Parts.Norm, TensorNames.Parts.Weight);
    public string NormBias => N(TensorNames.Parts.Norm, TensorNames.Parts.Bias);
    public string InProjWeight => N(TensorNames.Parts.InProj, TensorNames.Parts.Weight);
    public string Conv1dWeight => N(TensorNames.Parts.Conv1d, TensorNames.Parts.Weight);
    public string Conv1dBias => N(TensorNames.Parts.Conv1d, TensorNames.Parts.Bias);
    public string XProjWeight => N(TensorNames.Parts.XProj, TensorNames.Parts.Weight);
    public string DtProjWeight => N(TensorNames.Parts.DtProj, TensorNames.Parts.Weight);
    public string DtProjBias => N(TensorNames.Parts.DtProj, TensorNames.Parts.Bias);
    public string ALog => N(TensorNames.Parts.ALog);
    public string D => N(TensorNames.Parts.D);
    public string OutProjWeight => N(TensorNames.Parts.OutProj, TensorNames.Parts.Weight);
}

/// <summary>The tensors of one pre-norm transformer block under <paramref name="Prefix"/> (<c>blocks.i</c>).</summary>
public sealed record TransformerBlockNames(string Prefix)
{
    private string N(params string[] parts) => TensorNames.Join([Prefix, .. parts]);
    public string Ln1Weight => N(TensorNames.Parts.Ln1, TensorNames.Parts.Weight);
    public string Ln1Bias => N(TensorNames.Parts.Ln1, TensorNames.Parts.Bias);
    public string Ln2Weight => N(TensorNames.Parts.Ln2, TensorNames.Parts.Weight);
    public string Ln2Bias => N(TensorNames.Parts.Ln2, TensorNames.Parts.Bias);
    public string QkvWeight => N(TensorNames.Parts.Attn, TensorNames.Parts.Qkv, TensorNames.Parts.Weight);
    public string QkvBias => N(TensorNames.Parts.Attn, TensorNames.Parts.Qkv, TensorNames.Parts.Bias);
    public string AttnOutProjWeight => N(TensorNames.Parts.Attn, TensorNames.Parts.OutProj, TensorNames.Parts.Weight);
    public string AttnOutProjBias => N(TensorNames.Parts.Attn, TensorNames.Parts.OutProj, TensorNames.Parts.Bias);
    public string Fc1Weight => N(TensorNames.Parts.Fc1, TensorNames.Parts.Weight);
    public string Fc1Bias => N(TensorNames.Parts.Fc1, TensorNames.Parts.Bias);
    public string Fc2Weight => N(TensorNames.Parts.Fc2, TensorNames.Parts.Weight);
    public string Fc2Bias => N(TensorNames.Parts.Fc2, TensorNames.Parts.Bias);
}

/// <summary>A CNN batch norm's parameters and running statistics under <paramref name="Prefix"/> (<c>stages.s.bnK</c>).</summary>
public sealed record BatchNormNames(string Prefix)
{
    public string Weight => TensorNames.Join(Prefix, TensorNames.Parts.Weight);
    public string Bias => TensorNames.Join(Prefix, TensorNames.Parts.Bias);
    public string RunningMean => TensorNames.Join(Prefix, TensorNames.Parts.RunningMean);
    public string RunningVar => TensorNames.Join(Prefix, TensorNames.Parts.RunningVar);
}

/// <summary>The knots and values of one PWL unit (<c>pwl_silu.knots</c>, <c>pwl_silu.values</c>).</summary>
public sealed record PwlNames(string Knots, string Values);
