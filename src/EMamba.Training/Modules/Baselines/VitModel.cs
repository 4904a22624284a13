using EMamba.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using EMamba.Training.Scan;
using Names = EMamba.Core.Checkpoints.TensorNames.Parts;

namespace EMamba.Training.Modules.Baselines;

/// <summary>Vision transformer baseline, built like <see cref="MambaModel"/> so the two differ only in
/// the token mixer: patch embedding (learned positions) -> n_layers pre-norm attention blocks ->
/// final LayerNorm -> mean over tokens -> linear head. No class token: mean pooling is what the
/// Mamba model does, and it keeps the token count equal between the two.</summary>
public sealed class VitModel : nn.Module<Tensor, Tensor>
{
    private readonly PatchEmbed embed;
    private readonly ModuleList<TransformerBlock> blocks;
    private readonly LayerNorm norm_f;
    private readonly Linear head;

    public ModelConfig Config { get; }

    public VitModel(ModelConfig cfg) : base(nameof(VitModel))
    {
        if (cfg.Head == Head.Lm) throw new ArgumentException("VitModel is a vision/radar model; use TransformerLM for head 'lm'");
        if (cfg.DModel % cfg.Heads != 0) throw new ArgumentException($"heads {cfg.Heads} must divide d_model {cfg.DModel}");
        Config = cfg;
        embed = new PatchEmbed(cfg);
        blocks = nn.ModuleList(Enumerable.Range(0, cfg.NLayers)
            .Select(_ => new TransformerBlock(cfg.DModel, cfg.Heads, cfg.MlpRatio, causal: false)).ToArray());
        norm_f = nn.LayerNorm(cfg.DModel);
        head = nn.Linear(cfg.DModel, cfg.NumOutputs);
        // Checkpoint names are declared in EMamba.Core (TensorNames), not taken from the field names.
        register_module(Names.Embed, embed);
        register_module(Names.Blocks, blocks);
        register_module(Names.NormF, norm_f);
        register_module(Names.Head, head);
    }

    // x: (B, C, H, W) -> (B, NumOutputs)
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = embed.forward(x);                 // (B, T, D), positions added
        foreach (var b in blocks) h = b.forward(h);
        h = norm_f.forward(h).mean([1]);          // (B, D)
        return head.forward(h).MoveToOuterDisposeScope();
    }

    public long ParameterCount() => parameters().Sum(p => p.numel());
}
