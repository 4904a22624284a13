using TorchSharp;
using static TorchSharp.torch;

namespace EMamba.Training.Modules;

/// <summary>Builds the normalization named by <c>ModelConfig.Norm</c>.</summary>
public static class Norms
{
    public static nn.Module<Tensor, Tensor> Create(string kind, long dim, string? rangeInit = null) => kind switch
    {
        "rms" => new RmsNorm(dim),
        "layer" => nn.LayerNorm(dim),
        "range" => new RangeNorm(dim, gain: rangeInit == "matched" ? RangeNorm.ExpectedRange((int)dim) : 1.0),
        _ => throw new ArgumentException($"unknown norm '{kind}'"),
    };
}
