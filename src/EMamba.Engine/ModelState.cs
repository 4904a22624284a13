using EMamba.Core.Integer;

namespace EMamba.Engine;

/// <summary>What a model carries from one token to the next: per block the conv window (Din, K-1)
/// and the SSM state (Din, N), as codes. A new state is the start of a sequence (all zeros).</summary>
public sealed class ModelState
{
    public BlockState[] Blocks { get; }
    /// <summary>Tokens fed so far.</summary>
    public int Position { get; internal set; }

    public ModelState(IntModel m) => Blocks = [.. m.Blocks.Select(b => new BlockState(b))];

    public void Reset()
    {
        foreach (var b in Blocks) { Array.Clear(b.Window); Array.Clear(b.H); }
        Position = 0;
    }
}

/// <summary>One block's carried codes.</summary>
public sealed class BlockState(IntBlock b)
{
    /// <summary>(Din, K-1): the previous K-1 conv inputs per channel, oldest first.</summary>
    public long[] Window { get; } = new long[b.DInner * (b.Conv.Kernel - 1)];
    /// <summary>(Din, N): the SSM state at the state domain.</summary>
    public long[] H { get; } = new long[b.DInner * b.DState];
}
