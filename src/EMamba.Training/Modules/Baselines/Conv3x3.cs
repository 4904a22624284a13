using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using EMamba.Training.Scan;
using Names = EMamba.Core.Checkpoints.TensorNames.Parts;

namespace EMamba.Training.Modules.Baselines;

/// <summary>3x3 convolution, stride 1, padding 1, no bias: the same weight (Cout, Cin, 3, 3), init and
/// result as <c>nn.Conv2d</c>, but run with both channel counts zero-padded to a multiple of 16.
/// Why: with libtorch 2.10 (oneDNN 3.7.1) on this machine (AMD EPYC with AVX-512, in a VM) conv2d is
/// wrong, off by order 1 and sometimes NaN, when a channel count is not a multiple of 16: the output
/// for 20, 24 or 40 input channels, the input gradient for 4 or 8 channels. On a grid of 348 shapes
/// (batch 1..17, 1..128 channels, 2x2..32x32) 158 plain conv2d cases failed against a float64
/// reference and none of the padded ones did. Zero channels change no result: padded inputs meet
/// zero weights, and the padded outputs are cut off again. BaselineTests checks this layer against
/// a loop reference at such channel counts.</summary>
public sealed class Conv3x3 : nn.Module<Tensor, Tensor>
{
    private const long Block = 16;
    private readonly Parameter weight;
    private readonly long cout, padIn, padOut;

    public Conv3x3(long inChannels, long outChannels) : base(nameof(Conv3x3))
    {
        cout = outChannels;
        padIn = RoundUp(inChannels) - inChannels;
        padOut = RoundUp(outChannels) - outChannels;
        weight = nn.Parameter(empty(outChannels, inChannels, 3, 3));
        nn.init.kaiming_uniform_(weight, a: Math.Sqrt(5));   // nn.Conv2d's default
        register_parameter(Names.Weight, weight);
    }

    private static long RoundUp(long c) => (c + Block - 1) / Block * Block;

    // x: (B, Cin, H, W) -> (B, Cout, H, W); Cin' and Cout' are Cin and Cout rounded up to 16.
    public override Tensor forward(Tensor x)
    {
        if (padIn == 0 && padOut == 0) return nn.functional.conv2d(x, weight, padding: [1, 1]);
        using var scope = NewDisposeScope();
        // F.pad lists (before, after) pairs from the last dimension back: W, H, then channels.
        var xp = padIn == 0 ? x : nn.functional.pad(x, [0, 0, 0, 0, 0, padIn]);   // (B, Cin', H, W)
        var wp = nn.functional.pad(weight, [0, 0, 0, 0, 0, padIn, 0, padOut]);     // (Cout', Cin', 3, 3)
        var y = nn.functional.conv2d(xp, wp, padding: [1, 1]);                    // (B, Cout', H, W)
        return y.narrow(1, 0, cout).MoveToOuterDisposeScope();                     // (B, Cout, H, W)
    }
}
