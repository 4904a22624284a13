using EMamba.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using EMamba.Training.Scan;
using Names = EMamba.Core.Checkpoints.TensorNames.Parts;

namespace EMamba.Training.Modules;

/// <summary>Cuts a (B, C, H, W) image into P x P patches in row-major order and projects each to D,
/// plus a learned position embedding (the scan is causal, so position must be given explicitly).</summary>
public sealed class PatchEmbed : nn.Module<Tensor, Tensor>
{
    private readonly Linear proj;
    private readonly Parameter pos;
    private readonly int c, p, gh, gw;

    public PatchEmbed(ModelConfig cfg) : base(nameof(PatchEmbed))
    {
        c = cfg.InChannels; p = cfg.Patch; gh = cfg.Height / p; gw = cfg.Width / p;
        proj = nn.Linear(cfg.PatchDim, cfg.DModel);
        pos = nn.Parameter(randn(gh * gw, cfg.DModel) * 0.02);
        register_parameter(Names.Pos, pos);
        register_module(Names.Proj, proj);
    }

    // x: (B, C, H, W) -> (B, T = gh*gw, D)
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0];
        var patches = x.reshape(b, c, gh, p, gw, p)       // (B, C, gh, P, gw, P)
            .permute(0, 2, 4, 1, 3, 5)                       // (B, gh, gw, C, P, P)
            .reshape(b, gh * gw, c * p * p);                 // (B, T, C*P*P)
        return (proj.forward(patches) + pos).MoveToOuterDisposeScope();
    }
}
