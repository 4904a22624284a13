using EMamba.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace EMamba.Training.Modules;

/// <summary>Builds the normalization named by <c>ModelConfig.Norm</c>.</summary>
public static class Norms
{
    public static nn.Module<Tensor, Tensor> Create(Norm kind, long dim, RangeInit? rangeInit = null) => kind switch
    {
        Norm.Rms => new RmsNorm(dim),
        Norm.Layer => nn.LayerNorm(dim),
        Norm.Range => new RangeNorm(dim, gain: rangeInit == RangeInit.Matched ? RangeNorm.ExpectedRange((int)dim) : 1.0),
        _ => throw new ArgumentException($"unknown norm '{kind.Name()}'"),
    };
}
