using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using EMamba.Training.Scan;
using Names = EMamba.Core.Checkpoints.TensorNames.Parts;

namespace EMamba.Training.Modules.Baselines;

/// <summary>Pre-norm transformer block: x + MHSA(LN(x)), then x + MLP(LN(x)) with a GELU MLP of
/// hidden width D * mlpRatio. Pre-norm keeps the residual path an identity, which trains stably
/// without warm-up tricks at these small depths. Shared by the ViT and the transformer LM.</summary>
public sealed class TransformerBlock : nn.Module<Tensor, Tensor>
{
    private readonly LayerNorm ln1, ln2;
    private readonly SelfAttention attn;
    private readonly Linear fc1, fc2;

    public TransformerBlock(long dim, int heads, int mlpRatio, bool causal) : base(nameof(TransformerBlock))
    {
        ln1 = nn.LayerNorm(dim);
        attn = new SelfAttention(dim, heads, causal);
        ln2 = nn.LayerNorm(dim);
        fc1 = nn.Linear(dim, dim * mlpRatio);
        fc2 = nn.Linear(dim * mlpRatio, dim);
        register_module(Names.Ln1, ln1);
        register_module(Names.Ln2, ln2);
        register_module(Names.Attn, attn);
        register_module(Names.Fc1, fc1);
        register_module(Names.Fc2, fc2);
    }

    // x: (B, T, D) -> (B, T, D)
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = x + attn.forward(ln1.forward(x));                        // (B, T, D): tokens mix
        var m = fc2.forward(nn.functional.gelu(fc1.forward(ln2.forward(h)))); // (B, T, D*r) -> (B, T, D): per token
        return (h + m).MoveToOuterDisposeScope();
    }
}
