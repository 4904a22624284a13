using EMamba.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using EMamba.Training.Scan;
using Names = EMamba.Core.Checkpoints.TensorNames.Parts;

namespace EMamba.Training.Modules.Baselines;

/// <summary>Convolutional baseline (VGG-style): n_layers stages, stage s = two 3x3 conv (no bias: the
/// BatchNorm after it has one) -> BatchNorm -> ReLU with d_model * 2^s channels; a 2x2 max-pool
/// between stages while the pooled map keeps at least 2x2 (an 8x8 MARS frame pools twice, to 2x2);
/// then global average pool -> linear head. BatchNorm makes train() and eval() differ. The convs are
/// <see cref="Conv3x3"/>, not nn.Conv2d, which gives wrong results here for some channel counts.</summary>
public sealed class CnnModel : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<Sequential> stages;
    private readonly Linear head;
    /// <summary>poolAfter[s]: max-pool after stage s (never after the last).</summary>
    private readonly bool[] poolAfter;

    public ModelConfig Config { get; }

    public CnnModel(ModelConfig cfg) : base(nameof(CnnModel))
    {
        if (cfg.Head == Head.Lm) throw new ArgumentException("CnnModel is a vision/radar model; it has no language head");
        Config = cfg;
        poolAfter = new bool[cfg.NLayers];
        var list = new Sequential[cfg.NLayers];
        long cin = cfg.InChannels;
        int h = cfg.Height, w = cfg.Width;
        for (int s = 0; s < cfg.NLayers; s++)
        {
            long c = (long)cfg.DModel << s;
            list[s] = nn.Sequential(
                (Names.Conv1, new Conv3x3(cin, c)),
                (Names.Bn1, new BatchNorm2d(c)),
                (Names.Relu1, nn.ReLU()),
                (Names.Conv2, new Conv3x3(c, c)),
                (Names.Bn2, new BatchNorm2d(c)),
                (Names.Relu2, nn.ReLU()));
            // A 1x1 map would leave the 3x3 kernels seeing mostly padding, so stop pooling at 2x2.
            if (s < cfg.NLayers - 1 && Math.Min(h, w) / 2 >= 2) { poolAfter[s] = true; h /= 2; w /= 2; }
            cin = c;
        }
        stages = nn.ModuleList(list);
        head = nn.Linear(cin, cfg.NumOutputs);
        // Checkpoint names are declared in EMamba.Core (TensorNames), not taken from the field names.
        register_module(Names.Stages, stages);
        register_module(Names.Head, head);
    }

    // x: (B, C, H, W) -> (B, NumOutputs)
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = x;
        for (int s = 0; s < stages.Count; s++)
        {
            h = stages[s].forward(h);                                  // (B, D*2^s, H_s, W_s)
            if (poolAfter[s]) h = nn.functional.max_pool2d(h, 2);      // (B, D*2^s, H_s/2, W_s/2)
        }
        h = h.mean([2, 3]);                                            // (B, D*2^(n-1)): global average pool
        return head.forward(h).MoveToOuterDisposeScope();
    }

    public long ParameterCount() => parameters().Sum(p => p.numel());

    /// <summary>How many 2x2 max-pools the forward pass applies (for tests).</summary>
    internal int PoolCount => poolAfter.Count(p => p);
}
