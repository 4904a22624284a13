using EMamba.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EMamba.Training.Modules;

/// <summary>Vision / radar model: patch embedding -> M Mamba blocks -> final norm -> mean over
/// tokens -> linear head (class logits or regression outputs).</summary>
public sealed class MambaModel : nn.Module<Tensor, Tensor>
{
    private readonly PatchEmbed embed;
    private readonly ModuleList<MambaBlock> blocks;
    private readonly nn.Module<Tensor, Tensor> norm_f;
    private readonly Linear head;

    public ModelConfig Config { get; }

    public MambaModel(ModelConfig cfg, bool naiveScan = false) : base(nameof(MambaModel))
    {
        if (cfg.Head == "lm") throw new ArgumentException("MambaModel is the vision/radar model; use the LM model for head 'lm'");
        Config = cfg;
        embed = new PatchEmbed(cfg);
        blocks = nn.ModuleList(Enumerable.Range(0, cfg.NLayers).Select(_ => new MambaBlock(cfg, naiveScan)).ToArray());
        norm_f = Norms.Create(cfg.Norm, cfg.DModel);
        head = nn.Linear(cfg.DModel, cfg.NumOutputs);
        RegisterComponents();
    }

    // x: (B, C, H, W) -> (B, NumOutputs)
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = embed.forward(x);                 // (B, T, D)
        foreach (var b in blocks) h = b.forward(h);
        h = norm_f.forward(h).mean([1]);          // (B, D)
        return head.forward(h).MoveToOuterDisposeScope();
    }

    public long ParameterCount() => parameters().Sum(p => p.numel());
}
