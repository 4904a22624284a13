using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using EMamba.Training.Scan;
using Names = EMamba.Core.Checkpoints.TensorNames.Parts;

namespace EMamba.Training.Modules.Baselines;

/// <summary>Batch normalization over (B, C, H, W) with running statistics (momentum 0.1), written on
/// F.batch_norm. TorchSharp's nn.BatchNorm2d bumps an int64 batch counter with a temporary Scalar it
/// never keeps alive; a garbage collection during that native call crashed a training run here
/// ("toLong" check in add_). This module keeps no counter, and its running mean and variance are
/// float buffers that checkpoints store beside the parameters.</summary>
public sealed class BatchNorm2d : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight, bias;
    private readonly Tensor running_mean, running_var;
    private const double Momentum = 0.1, Eps = 1e-5;

    public BatchNorm2d(long channels) : base(nameof(BatchNorm2d))
    {
        weight = nn.Parameter(ones(channels));
        bias = nn.Parameter(zeros(channels));
        running_mean = zeros(channels);
        running_var = ones(channels);
        register_parameter(Names.Weight, weight);
        register_parameter(Names.Bias, bias);
        register_buffer(Names.RunningMean, running_mean);
        register_buffer(Names.RunningVar, running_var);
    }

    // x: (B, C, H, W) -> (B, C, H, W); training: batch statistics (and the running ones updated), eval: running statistics
    public override Tensor forward(Tensor x) =>
        nn.functional.batch_norm(x, running_mean, running_var, weight, bias, training, Momentum, Eps);
}
