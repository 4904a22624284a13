using EMamba.Core;
using EMamba.Core.Approx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EMamba.Training.Modules;

/// <summary>Language model: token embedding -> M Mamba blocks -> final norm -> logits through the
/// embedding matrix (tied weights, so the vocabulary costs its parameters once).</summary>
public sealed class MambaLM : nn.Module<Tensor, Tensor>
{
    private readonly Embedding embedding;
    private readonly ModuleList<MambaBlock> blocks;
    private readonly nn.Module<Tensor, Tensor> norm_f;
    private readonly PwlOp? pwl_silu, pwl_exp;

    /// <summary>The shared PWL units and activation probe of the blocks.</summary>
    public BlockOps Ops { get; }

    public ModelConfig Config { get; }

    public MambaLM(ModelConfig cfg, IReadOnlyDictionary<PwlFunction, PwlTable>? tables = null) : base(nameof(MambaLM))
    {
        if (cfg.Head != "lm") throw new ArgumentException("MambaLM needs head 'lm'");
        if (cfg.Vocab < 1) throw new EMambaException("model.vocab must be set (the vocabulary size) for a language model", ExitCodes.BadConfig);
        Config = cfg;
        Ops = BlockOps.Create(cfg, tables);
        pwl_silu = Ops.Silu;
        pwl_exp = Ops.Exp;
        embedding = nn.Embedding(cfg.Vocab, cfg.DModel);
        nn.init.normal_(embedding.weight!, std: 0.02);
        blocks = nn.ModuleList(Enumerable.Range(0, cfg.NLayers).Select(_ => new MambaBlock(cfg, Ops)).ToArray());
        norm_f = Norms.Create(cfg.Norm, cfg.DModel);
        RegisterComponents();
    }

    // tokens: (B, L) int64 -> logits (B, L, V)
    public override Tensor forward(Tensor tokens)
    {
        using var scope = NewDisposeScope();
        var h = embedding.forward(tokens);                   // (B, L, D)
        foreach (var b in blocks) h = b.forward(h);
        h = norm_f.forward(h);
        return nn.functional.linear(h, embedding.weight!).MoveToOuterDisposeScope();
    }

    public long ParameterCount() => parameters().Sum(p => p.numel());

    /// <summary>Parameters outside the embedding table (the part that scales with the model, not the vocabulary).</summary>
    public long NonEmbeddingParameterCount() => ParameterCount() - embedding.weight!.numel();
}
