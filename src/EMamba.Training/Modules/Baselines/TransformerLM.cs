using EMamba.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Names = EMamba.Core.Checkpoints.TensorNames.Parts;

namespace EMamba.Training.Modules.Baselines;

/// <summary>Language baseline (GPT-style), built like <see cref="MambaLM"/>: token embedding + learned
/// position embedding -> n_layers causal pre-norm blocks -> final LayerNorm -> logits through the
/// embedding matrix (tied weights). Unlike Mamba it has a hard context limit: the position table
/// has <see cref="MaxContext"/> rows.</summary>
public sealed class TransformerLM : nn.Module<Tensor, Tensor>
{
    private readonly Embedding embedding;
    private readonly Parameter pos;
    private readonly ModuleList<TransformerBlock> blocks;
    private readonly LayerNorm norm_f;

    public ModelConfig Config { get; }

    /// <summary>Longest sequence the position table covers.</summary>
    public int MaxContext { get; }

    public TransformerLM(ModelConfig cfg, int maxContext = 512) : base(nameof(TransformerLM))
    {
        if (cfg.Head != Head.Lm) throw new ArgumentException("TransformerLM needs head 'lm'");
        if (cfg.Vocab < 1) throw new EMambaException("model.vocab must be set (the vocabulary size) for a language model", ExitCodes.BadConfig);
        if (cfg.DModel % cfg.Heads != 0) throw new ArgumentException($"heads {cfg.Heads} must divide d_model {cfg.DModel}");
        if (maxContext < 1) throw new ArgumentException($"maxContext {maxContext} must be >= 1");
        Config = cfg;
        MaxContext = maxContext;
        embedding = nn.Embedding(cfg.Vocab, cfg.DModel);
        nn.init.normal_(embedding.weight!, std: 0.02);
        pos = nn.Parameter(randn(maxContext, cfg.DModel) * 0.02);
        blocks = nn.ModuleList(Enumerable.Range(0, cfg.NLayers)
            .Select(_ => new TransformerBlock(cfg.DModel, cfg.Heads, cfg.MlpRatio, causal: true)).ToArray());
        norm_f = nn.LayerNorm(cfg.DModel);
        // Checkpoint names are declared in EMamba.Core (TensorNames), not taken from the field names.
        register_parameter(Names.Pos, pos);
        register_module(Names.Embedding, embedding);
        register_module(Names.Blocks, blocks);
        register_module(Names.NormF, norm_f);
    }

    // tokens: (B, L) int64 -> logits (B, L, V)
    public override Tensor forward(Tensor tokens)
    {
        long L = tokens.shape[1];
        if (L > MaxContext)
            throw new ArgumentException($"sequence length {L} exceeds the transformer's maximum context {MaxContext} (the position table has {MaxContext} rows)", nameof(tokens));
        using var scope = NewDisposeScope();
        var h = embedding.forward(tokens) + pos.narrow(0, 0, L);  // (B, L, D) + (L, D)
        foreach (var b in blocks) h = b.forward(h);
        h = norm_f.forward(h);                                     // (B, L, D)
        return nn.functional.linear(h, embedding.weight!).MoveToOuterDisposeScope(); // (B, L, V)
    }

    public long ParameterCount() => parameters().Sum(p => p.numel());

    /// <summary>Parameters outside the token embedding table (the position table counts here: it
    /// scales with the context, not the vocabulary).</summary>
    public long NonEmbeddingParameterCount() => ParameterCount() - embedding.weight!.numel();
}
