using EMamba.Training.Scan;
namespace EMamba.Training.Modules;

/// <summary>The state of a Mamba language model read piece by piece across dispose scopes (truncated
/// BPTT, streaming evaluation, generation): each piece's state replaces the previous one, which is
/// freed, and the last one is freed with this object.</summary>
public sealed class StreamState : IDisposable
{
    /// <summary>The state after the last piece (null before the first: the sequence start).</summary>
    public BlockState[]? Current { get; private set; }

    /// <summary>Takes <paramref name="next"/> out of its dispose scope and frees the state it replaces.</summary>
    public void Advance(BlockState[] next)
    {
        foreach (var s in next) s.Detach();
        Free();
        Current = next;
    }

    public void Dispose() => Free();

    private void Free()
    {
        if (Current != null) foreach (var s in Current) s.Dispose();
        Current = null;
    }
}
