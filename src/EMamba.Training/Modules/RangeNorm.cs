using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EMamba.Training.Modules;

/// <summary>eMamba range normalization: no square root, no variance, so hardware needs one
/// reciprocal of a range instead of an rsqrt.
/// y = gamma * (x - mean) / (max(x - mean) - min(x - mean) + eps) + beta, per token over D.</summary>
public sealed class RangeNorm : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter bias;
    private readonly double eps;

    public RangeNorm(long dim, double eps = 1e-5) : base(nameof(RangeNorm))
    {
        this.eps = eps;
        weight = nn.Parameter(ones(dim));
        bias = nn.Parameter(zeros(dim));
        RegisterComponents();
    }

    // x: (..., D) -> (..., D)
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var c = x - x.mean([-1], keepdim: true);
        var range = c.amax([-1], keepdim: true) - c.amin([-1], keepdim: true);
        return (c / (range + eps) * weight + bias).MoveToOuterDisposeScope();
    }
}
