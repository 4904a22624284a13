using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Names = EMamba.Core.Checkpoints.TensorNames.Parts;

namespace EMamba.Training.Modules;

/// <summary>eMamba range normalization: no square root, no variance, so hardware needs one
/// reciprocal of a range instead of an rsqrt.
/// y = gamma * (x - mean) / (max(x - mean) - min(x - mean) + eps) + beta, per token over D.</summary>
public sealed class RangeNorm : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter bias;
    private readonly double eps;

    /// <param name="gain">initial gamma (1, or <see cref="ExpectedRange"/> to start at layer norm's scale)</param>
    public RangeNorm(long dim, double eps = 1e-5, double gain = 1.0) : base(nameof(RangeNorm))
    {
        this.eps = eps;
        weight = nn.Parameter(ones(dim) * gain);
        bias = nn.Parameter(zeros(dim));
        register_parameter(Names.Weight, weight);
        register_parameter(Names.Bias, bias);
    }

    // x: (..., D) -> (..., D)
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var c = x - x.mean([-1], keepdim: true);
        var range = c.amax([-1], keepdim: true) - c.amin([-1], keepdim: true);
        return (c / (range + eps) * weight + bias).MoveToOuterDisposeScope();
    }

    /// <summary>E[max - min] of n independent standard normals = 2 E[max] = 2 * integral of
    /// x n phi(x) Phi(x)^(n-1) dx (trapezoid rule on [-12, 12]); 4.79 for n = 64.</summary>
    public static double ExpectedRange(int n)
    {
        if (n < 2) return 1.0;
        const int steps = 24000;
        const double lo = -12, hi = 12, h = (hi - lo) / steps;
        double sum = 0;
        for (int i = 0; i <= steps; i++)
        {
            double x = lo + i * h, phi = Math.Exp(-0.5 * x * x) / Math.Sqrt(2 * Math.PI);
            double Phi = 0.5 * (1 + Erf(x / Math.Sqrt(2)));
            double f = x * n * phi * Math.Pow(Phi, n - 1);
            sum += (i == 0 || i == steps ? 0.5 : 1) * f;
        }
        return 2 * sum * h;
    }

    // erf from the erfc approximation of Numerical Recipes (erfcc), fractional error below 1.2e-7.
    private static double Erf(double x)
    {
        double t = 1 / (1 + 0.5 * Math.Abs(x));
        double y = 1 - t * Math.Exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
                   t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? y : -y;
    }
}
