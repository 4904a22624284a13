using TorchSharp;
using static TorchSharp.torch;

namespace EMamba.Training.Modules;

/// <summary>Builds the normalization named by <c>ModelConfig.Norm</c>.</summary>
public static class Norms
{
    public static nn.Module<Tensor, Tensor> Create(string kind, long dim) => kind switch
    {
        "rms" => new RmsNorm(dim),
        "layer" => nn.LayerNorm(dim),
        "range" => new RangeNorm(dim),
        _ => throw new ArgumentException($"unknown norm '{kind}'"),
    };
}
