using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using EMamba.Training.Scan;
using Names = EMamba.Core.Checkpoints.TensorNames.Parts;

namespace EMamba.Training.Modules.Baselines;

/// <summary>Multi-head self-attention written out from linear layers, so a reader sees every step:
/// one Linear(D, 3D) gives q, k, v; per head softmax(q k^T / sqrt(d_head)) v; the heads are joined
/// and mixed by Linear(D, D). With <c>causal</c> token t attends to tokens 0..t only (language model);
/// without it attention is order-blind, so positions must come from the embedding (ViT).</summary>
public sealed class SelfAttention : nn.Module<Tensor, Tensor>
{
    private readonly Linear qkv;
    private readonly Linear out_proj;
    private readonly int heads;
    private readonly long dHead;
    private readonly double scale;

    public bool Causal { get; }

    public SelfAttention(long dim, int heads, bool causal) : base(nameof(SelfAttention))
    {
        if (heads < 1 || dim % heads != 0) throw new ArgumentException($"heads {heads} must divide the width {dim}");
        this.heads = heads;
        dHead = dim / heads;
        scale = 1.0 / Math.Sqrt(dHead);
        Causal = causal;
        qkv = nn.Linear(dim, 3 * dim);
        out_proj = nn.Linear(dim, dim);
        register_module(Names.Qkv, qkv);
        register_module(Names.OutProj, out_proj);
    }

    // x: (B, T, D) -> (B, T, D)
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1], d = x.shape[2];
        var parts = qkv.forward(x)                           // (B, T, 3D)
            .reshape(b, t, 3, heads, dHead)                  // (B, T, 3, H, Dh)
            .permute(2, 0, 3, 1, 4);                         // (3, B, H, T, Dh)
        Tensor q = parts[0], k = parts[1], v = parts[2];     // each (B, H, T, Dh)
        var scores = q.matmul(k.transpose(-2, -1)) * scale;  // (B, H, T, T): row = query, column = key
        if (Causal)
        {
            // Keys after the query get -inf, so softmax gives them weight exactly 0.
            var future = ones(t, t, dtype: ScalarType.Bool, device: x.device).triu(1); // (T, T)
            scores = scores.masked_fill(future, double.NegativeInfinity);
        }
        var y = scores.softmax(-1).matmul(v)                 // (B, H, T, Dh)
            .transpose(1, 2)                                 // (B, T, H, Dh)
            .reshape(b, t, d);                               // (B, T, D): heads side by side
        return out_proj.forward(y).MoveToOuterDisposeScope();
    }
}
