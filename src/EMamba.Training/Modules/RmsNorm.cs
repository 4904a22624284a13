using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Names = EMamba.Core.Checkpoints.TensorNames.Parts;

namespace EMamba.Training.Modules;

/// <summary>RMSNorm over the last dim (standard Mamba): y = x / sqrt(mean(x^2) + eps) * weight.</summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly double eps;

    public RmsNorm(long dim, double eps = 1e-5) : base(nameof(RmsNorm))
    {
        this.eps = eps;
        weight = nn.Parameter(ones(dim));
        register_parameter(Names.Weight, weight);
    }

    // x: (..., D) -> (..., D)
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var rms = x.pow(2).mean([-1], keepdim: true).add(eps).rsqrt();
        return (x * rms * weight).MoveToOuterDisposeScope();
    }
}
