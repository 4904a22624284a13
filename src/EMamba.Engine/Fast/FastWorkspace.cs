namespace EMamba.Engine.Fast;

/// <summary>Every buffer one sample's forward needs, allocated once per worker thread and reused for
/// every token and sample (no allocation per token). Not shared between threads.</summary>
public sealed class FastWorkspace
{
    internal sealed class BlockState(int din, int k, int n)
    {
        public readonly long[] Window = new long[din * Math.Max(k - 1, 0)];   // (Din, K-1)
        public readonly long[] H = new long[din * n];                          // (Din, N)
        public void Clear() { Array.Clear(Window); Array.Clear(H); }
    }

    internal readonly VectorWidth Width;
    internal readonly BlockState[] Blocks;
    internal readonly long[] X, Patch, N, Uz, U, Dbc, Delta, G, O, Pooled, Acc;
    internal readonly short[] Xs;     // a layer's input as int16, padded (the pad may hold stale codes: the weights' pad is 0)

    internal FastWorkspace(FastModel m)
    {
        var c = m.Model.Config;
        int d = c.DModel, din = c.DInner, n = c.DState, r = c.DtRankValue;
        Width = m.Width;
        Blocks = [.. m.Model.Blocks.Select(b => new BlockState(b.DInner, b.Conv.Kernel, b.DState))];
        X = new long[d]; Patch = new long[c.PatchDim]; N = new long[d]; Uz = new long[2 * din]; U = new long[din];
        Dbc = new long[r + 2 * n]; Delta = new long[din]; G = new long[din]; O = new long[d]; Pooled = new long[d];
        Acc = new long[m.MaxOut];
        Xs = new short[m.MaxInPad];
    }

    internal void Reset()
    {
        foreach (var b in Blocks) b.Clear();
        Array.Clear(Pooled);
    }
}
