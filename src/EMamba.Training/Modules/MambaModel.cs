using EMamba.Core;
using EMamba.Core.Approx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using EMamba.Training.Scan;
using Names = EMamba.Core.Checkpoints.TensorNames.Parts;

namespace EMamba.Training.Modules;

/// <summary>Vision / radar model: patch embedding -> M Mamba blocks -> final norm -> mean over
/// tokens -> linear head (class logits or regression outputs).</summary>
public sealed class MambaModel : nn.Module<Tensor, Tensor>
{
    private readonly PatchEmbed embed;
    private readonly ModuleList<MambaBlock> blocks;
    private readonly nn.Module<Tensor, Tensor> norm_f;
    private readonly PwlOp? pwl_silu, pwl_exp;

    /// <summary>The shared PWL units and activation probe of the blocks.</summary>
    public BlockOps Ops { get; }
    private readonly Linear head;

    public ModelConfig Config { get; }

    /// <param name="tables">initial PWL tables for the functions the config sets to "pwl" (default: the paper's).</param>
    public MambaModel(ModelConfig cfg, IReadOnlyDictionary<PwlFunction, PwlTable>? tables = null, bool naiveScan = false) : base(nameof(MambaModel))
    {
        if (cfg.Head == Head.Lm) throw new ArgumentException("MambaModel is the vision/radar model; use the LM model for head 'lm'");
        Config = cfg;
        Ops = BlockOps.Create(cfg, tables);
        pwl_silu = Ops.Silu;
        pwl_exp = Ops.Exp;
        embed = new PatchEmbed(cfg);
        blocks = nn.ModuleList(Enumerable.Range(0, cfg.NLayers).Select(_ => new MambaBlock(cfg, Ops, naiveScan)).ToArray());
        norm_f = Norms.Create(cfg.Norm, cfg.DModel, cfg.RangeInit);
        head = nn.Linear(cfg.DModel, cfg.NumOutputs);
        // Checkpoint names are declared in EMamba.Core (TensorNames), not taken from the field names.
        register_module(Names.Embed, embed);
        register_module(Names.Blocks, blocks);
        register_module(Names.NormF, norm_f);
        if (pwl_silu != null) register_module(Names.PwlUnit(PwlFunction.Silu), pwl_silu);
        if (pwl_exp != null) register_module(Names.PwlUnit(PwlFunction.Exp), pwl_exp);
        register_module(Names.Head, head);
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
