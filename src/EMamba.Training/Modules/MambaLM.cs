using EMamba.Core;
using EMamba.Core.Approx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using EMamba.Training.Scan;
using Names = EMamba.Core.Checkpoints.TensorNames.Parts;

namespace EMamba.Training.Modules;

/// <summary>Language model: token embedding (width e) -> [e -> D] -> M Mamba blocks -> final norm ->
/// [D -> e] -> logits through the embedding matrix (tied weights, so the vocabulary costs its
/// parameters once). The projections exist only when e &lt; D. Being recurrent, it can be fed a
/// sequence in pieces with <see cref="Forward"/> and gives the same logits as in one call.</summary>
public sealed class MambaLM : nn.Module<Tensor, Tensor>
{
    private readonly Embedding embedding;
    private readonly Linear? embed_in, embed_out;
    private readonly ModuleList<MambaBlock> blocks;
    private readonly nn.Module<Tensor, Tensor> norm_f;
    private readonly PwlOp? pwl_silu, pwl_exp;

    /// <summary>The shared PWL units and activation probe of the blocks.</summary>
    public BlockOps Ops { get; }

    public ModelConfig Config { get; }

    public MambaLM(ModelConfig cfg, IReadOnlyDictionary<PwlFunction, PwlTable>? tables = null) : base(nameof(MambaLM))
    {
        if (cfg.Head != Head.Lm) throw new ArgumentException("MambaLM needs head 'lm'");
        if (cfg.Vocab < 1) throw new EMambaException("model.vocab must be set (the vocabulary size) for a language model", ExitCodes.BadConfig);
        Config = cfg;
        Ops = BlockOps.Create(cfg, tables);
        pwl_silu = Ops.Silu;
        pwl_exp = Ops.Exp;
        embedding = nn.Embedding(cfg.Vocab, cfg.EmbedWidth);
        nn.init.normal_(embedding.weight!, std: 0.02);
        if (cfg.EmbedWidth < cfg.DModel)
        {
            embed_in = nn.Linear(cfg.EmbedWidth, cfg.DModel, hasBias: false);
            embed_out = nn.Linear(cfg.DModel, cfg.EmbedWidth, hasBias: false);
        }
        blocks = nn.ModuleList(Enumerable.Range(0, cfg.NLayers).Select(_ => new MambaBlock(cfg, Ops)).ToArray());
        norm_f = Norms.Create(cfg.Norm, cfg.DModel, cfg.RangeInit);
        // Checkpoint names are declared in EMamba.Core (TensorNames), not taken from the field names.
        register_module(Names.Embedding, embedding);
        if (embed_in != null) register_module(Names.EmbedIn, embed_in);
        if (embed_out != null) register_module(Names.EmbedOut, embed_out);
        register_module(Names.Blocks, blocks);
        register_module(Names.NormF, norm_f);
        if (pwl_silu != null) register_module(Names.PwlUnit(PwlFunction.Silu), pwl_silu);
        if (pwl_exp != null) register_module(Names.PwlUnit(PwlFunction.Exp), pwl_exp);
    }

    // tokens: (B, L) int64 -> logits (B, L, V)
    public override Tensor forward(Tensor tokens) => Forward(tokens, null, out _);

    /// <summary>Logits of a piece of each sequence, continuing from <paramref name="s0"/> (the start
    /// of the sequences when null); <paramref name="s1"/> is the state after the piece (detached).</summary>
    // tokens: (B, L) int64 -> logits (B, L, V)
    public Tensor Forward(Tensor tokens, BlockState[]? s0, out BlockState[] s1)
    {
        if (s0 != null && s0.Length != blocks.Count) throw new ArgumentException($"{s0.Length} block states for {blocks.Count} blocks");
        using var scope = NewDisposeScope();
        var h = embedding.forward(tokens);                   // (B, L, e)
        if (embed_in != null) h = embed_in.forward(h);       // (B, L, D)
        s1 = new BlockState[blocks.Count];
        for (int i = 0; i < blocks.Count; i++)
        {
            h = blocks[i].Forward(h, s0?[i], out var s);
            s1[i] = s.Keep();
        }
        h = norm_f.forward(h);                               // (B, L, D)
        if (embed_out != null) h = embed_out.forward(h);     // (B, L, e)
        return nn.functional.linear(h, embedding.weight!).MoveToOuterDisposeScope();
    }

    public long ParameterCount() => parameters().Sum(p => p.numel());

    /// <summary>Parameters outside the embedding table (the part that scales with the model, not the vocabulary).</summary>
    public long NonEmbeddingParameterCount() => ParameterCount() - embedding.weight!.numel();
}
