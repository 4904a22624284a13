using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace EMamba.Engine.Fast;

/// <summary>The batched fast path: G samples of a batch in the G int32 lanes of one vector (G = 16 at V512, 8 at
/// V256, 4 at V128), so every weight, shift and table serves G samples per load, nothing is reduced across lanes
/// and the small layers of a small model fill the vector whatever their width. Lane s computes exactly what
/// <see cref="FastModel.Run(ReadOnlySpan{long}, Span{long}, FastWorkspace)"/> computes for sample s: the ops are
/// Reference's, per lane, in int32 where <see cref="Int32Proof"/> proved every intermediate fits (a model it
/// refuses is batched sample by sample). The head, once per sample, runs on the per-sample path.</summary>
internal sealed class LaneModel
{
    private readonly FastModel _fm;
    private readonly LaneLinear _embed;
    private readonly LaneBlock[] _blocks;
    private readonly LaneNorm _final;
    public readonly CodeRange Input;        // the input codes the proof covers: a sample outside runs alone

    private LaneModel(FastModel fm, Int32Proof proof)
    {
        _fm = fm;
        var m = fm.Model;
        Input = proof.Codes(m.Embed!.In, "input");
        _embed = new LaneLinear(m.Embed, Input, proof);
        var x = _embed.OutRange;
        _blocks = new LaneBlock[m.Blocks.Length];
        for (int i = 0; i < _blocks.Length; i++) { _blocks[i] = new LaneBlock(m.Blocks[i], x, proof); x = _blocks[i].OutRange; }
        _final = new LaneNorm(m.FinalNorm, x, proof);
        proof.Fit((Int128)m.Tokens * _final.OutRange.MaxAbs, "pooled");
    }

    /// <summary>The lane path for <paramref name="fm"/>, or null with the first bound that needs more than 32 bits.</summary>
    public static LaneModel? TryPrepare(FastModel fm, out string? refusal)
    {
        var proof = new Int32Proof();
        if (fm.Width == VectorWidth.Scalar) proof.Require(false, "the scalar width has no lanes");
        var lm = proof.Refusal is null ? new LaneModel(fm, proof) : null;
        refusal = proof.Refusal;
        return refusal is null ? lm : null;
    }

    public int Lanes => _fm.Width switch { VectorWidth.V512 => L512.Count, VectorWidth.V256 => L256.Count, _ => L128.Count };

    public LaneWorkspace CreateWorkspace() => new(_fm, Lanes);

    // The sample's codes as int32, false when one lies outside the input range the proof covers (it then runs alone).
    private bool Pack(ReadOnlySpan<long> sample, Span<int> dst)
    {
        long lo = Input.Lo, hi = Input.Hi;
        for (int i = 0; i < sample.Length; i++)
        {
            long v = sample[i];
            if (v < lo || v > hi) return false;
            dst[i] = (int)v;
        }
        return true;
    }

    /// <summary>Up to G samples (count, C*H*W) -> (count, NumOutputs); a sample outside <see cref="Input"/> runs alone.</summary>
    public void RunGroup(ReadOnlySpan<long> inputs, int count, Span<long> outputs, LaneWorkspace w)
    {
        switch (_fm.Width)
        {
            case VectorWidth.V512: RunGroup<L512, Vector512<int>>(inputs, count, outputs, w); break;
            case VectorWidth.V256: RunGroup<L256, Vector256<int>>(inputs, count, outputs, w); break;
            default: RunGroup<L128, Vector128<int>>(inputs, count, outputs, w); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // optimized from the first call: a batch's first group is no slower than its last
    private unsafe void RunGroup<TL, TV>(ReadOnlySpan<long> inputs, int count, Span<long> outputs, LaneWorkspace w) where TL : ILanes<TV> where TV : struct
    {
        var fm = _fm;
        int g = TL.Count, size = fm.InputSize, outs = fm.Outputs, pd = fm.Model.Config.PatchDim, d = fm.Model.Config.DModel;
        // (G, C*H*W) as int32: the group's samples, zeros in lanes without one (0 is in every input domain).
        Span<bool> lane = stackalloc bool[g];
        for (int s = 0; s < g; s++)
        {
            var dst = w.Input.AsSpan(s * size, size);
            lane[s] = s < count && Pack(inputs.Slice(s * size, size), dst);
            if (!lane[s]) dst.Clear();
        }
        w.Reset();
        var idx = fm.PatchIndex;
        Span<int> offsets = stackalloc int[g];
        for (int s = 0; s < g; s++) offsets[s] = s * size;
        TV laneOffset = TL.Load(ref offsets[0]);
        fixed (int* input = w.Input)
        {
            for (int t = 0; t < fm.Model.Tokens; t++)
            {
                // (C*P*P, G): element k of patch t of every sample, one gather per k.
                ref int pr0 = ref w.Patch[0];
                for (int k = 0; k < pd; k++) TL.Store(TL.Gather(input, TL.Add(laneOffset, TL.Splat(idx[t * pd + k]))), ref Unsafe.Add(ref pr0, k * g));
                _embed.Run<TL, TV>(w.Patch, t, w.X, w.Pairs);                       // (D, G), position table in the token bias
                for (int i = 0; i < _blocks.Length; i++) _blocks[i].Step<TL, TV>(w.X, t, w, w.Blocks[i]);
                _final.Run<TL, TV>(w.X, w.N);                                       // (D, G)
                ref int pr = ref w.Pooled[0], nr = ref w.N[0];
                for (int i = 0; i < d; i++)
                {
                    ref int pi = ref Unsafe.Add(ref pr, i * g);
                    TL.Store(TL.Add(TL.Load(ref pi), TL.Load(ref Unsafe.Add(ref nr, i * g))), ref pi);
                }
            }
        }
        var one = w.Sample;
        for (int s = 0; s < count; s++)
        {
            var o = outputs.Slice(s * outs, outs);
            if (!lane[s]) { fm.Run(inputs.Slice(s * size, size), o, one); continue; }
            for (int i = 0; i < d; i++) one.Pooled[i] = w.Pooled[i * g + s];
            fm.Head.Run(one.Pooled, 0, o, one.Xs, fm.Width, one.Acc);          // (NumOutputs), 64-bit as per sample
        }
    }
}

/// <summary>Every buffer a group of G samples needs, feature-major: element (i, s) of a (rows, G) buffer is at
/// i G + s. One per worker thread, reused for every token and group.</summary>
internal sealed class LaneWorkspace
{
    internal sealed class BlockState(int din, int k, int n, int g)
    {
        public readonly int[] History = new int[Math.Max(k - 1, 0) * din * g];   // (K-1, Din, G) ring of u0
        public readonly int[] H = new int[din * n * g];                           // (Din, N, G)
        public void Clear() { Array.Clear(History); Array.Clear(H); }
    }

    internal readonly BlockState[] Blocks;
    internal readonly int[] Input, Patch, X, N, Uz, U, Dbc, Delta, G, O, Pooled, Pairs;
    internal readonly FastWorkspace Sample;   // the head and samples outside the proved input range

    internal LaneWorkspace(FastModel m, int g)
    {
        var c = m.Model.Config;
        int d = c.DModel, din = c.DInner, n = c.DState, r = c.DtRankValue;
        Blocks = [.. m.Model.Blocks.Select(b => new BlockState(b.DInner, b.Conv.Kernel, b.DState, g))];
        Input = new int[c.InChannels * c.Height * c.Width * g]; Patch = new int[c.PatchDim * g]; X = new int[d * g]; N = new int[d * g]; Uz = new int[2 * din * g]; U = new int[din * g];
        Dbc = new int[(r + 2 * n) * g]; Delta = new int[din * g]; G = new int[din * g]; O = new int[d * g]; Pooled = new int[d * g];
        Pairs = new int[(Math.Max(Math.Max(c.PatchDim, d), Math.Max(din, r)) + 1) / 2 * g];
        Sample = m.CreateWorkspace();
    }

    internal void Reset()
    {
        foreach (var b in Blocks) b.Clear();
        Array.Clear(Pooled);
    }
}
