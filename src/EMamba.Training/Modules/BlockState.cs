using static TorchSharp.torch;
using EMamba.Training.Scan;

namespace EMamba.Training.Modules;

/// <summary>What one Mamba block carries from one call to the next when a sequence is fed in pieces
/// (truncated BPTT, streaming evaluation, generation): the SSM state and the last d_conv-1 inputs of
/// the causal conv. Both are detached: no gradient flows back across a piece boundary.</summary>
/// <param name="H">(B, Din, N)</param>
/// <param name="Conv">(B, Din, d_conv - 1)</param>
public sealed record BlockState(Tensor H, Tensor Conv) : IDisposable
{
    /// <summary>Moves both tensors out of the current dispose scope (they outlive the step that made them).</summary>
    public BlockState Keep() { H.MoveToOuterDisposeScope(); Conv.MoveToOuterDisposeScope(); return this; }

    /// <summary>Takes both tensors out of every dispose scope: the caller disposes them (a state that
    /// lives across many scoped steps, as in streaming).</summary>
    public BlockState Detach() { H.DetachFromDisposeScope(); Conv.DetachFromDisposeScope(); return this; }

    public void Dispose() { H.Dispose(); Conv.Dispose(); }
}
