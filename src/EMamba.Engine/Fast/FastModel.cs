using EMamba.Core.Integer;

namespace EMamba.Engine.Fast;

/// <summary>The fast integer engine for vision / radar models: bit-identical to <see cref="Reference.Run"/>
/// for every model the file format allows (docs/integer.md §18), prepared once from an <see cref="IntModel"/>
/// (int16 padded weights for SIMD dot products in int32 lanes where the accumulator bound proves them exact,
/// PWL units as lookup tables, shifts precomputed), then run per sample on preallocated buffers. A batch runs in
/// groups of samples, one per int32 lane (<see cref="LaneModel"/>), when Prepare proves every intermediate of the
/// model fits 32 bits (<see cref="LaneRefusal"/> says why not otherwise).</summary>
public sealed class FastModel
{
    public IntModel Model { get; }
    /// <summary>The width the dot products run at (the requested one, or the widest below it this CPU has).</summary>
    public VectorWidth Width { get; }
    internal readonly FastLinear Embed, Head;
    internal readonly FastBlock[] Blocks;
    internal readonly FastNorm FinalNorm;
    internal readonly int MaxOut, MaxInPad;
    internal readonly int[] PatchIndex;     // (T, C*P*P): input offset of each patch element
    private readonly ThreadLocal<FastWorkspace> _local;
    private readonly LaneModel? _lanes;
    private readonly ThreadLocal<LaneWorkspace>? _laneLocal;

    private FastModel(IntModel m, VectorWidth width)
    {
        if (m.Embed is not { } embed || m.Head is not { } head) throw new InvalidOperationException("the fast path runs vision / radar models; language models use Reference.Step");
        Model = m;
        Width = VectorWidths.Resolve(width);
        Embed = new FastLinear(embed); Head = new FastLinear(head);
        Blocks = [.. m.Blocks.Select(b => new FastBlock(b))];
        FinalNorm = new FastNorm(m.FinalNorm);
        var all = Blocks.SelectMany(b => new[] { b.InProj, b.XProj, b.DtProj, b.OutProj }).Append(Embed).Append(Head).ToArray();
        MaxOut = all.Max(l => l.Out); MaxInPad = all.Max(l => l.InPad);
        var cfg = m.Config;
        PatchIndex = new int[m.Tokens * cfg.PatchDim];
        var iota = new long[cfg.InChannels * cfg.Height * cfg.Width];
        for (int i = 0; i < iota.Length; i++) iota[i] = i;
        var patch = new long[cfg.PatchDim];
        for (int t = 0; t < m.Tokens; t++)
        {
            Reference.Patch(cfg, iota, t, patch);     // the reference's own patch order, as indices
            for (int k = 0; k < patch.Length; k++) PatchIndex[t * patch.Length + k] = (int)patch[k];
        }
        _local = new ThreadLocal<FastWorkspace>(() => new FastWorkspace(this));
        _lanes = LaneModel.TryPrepare(this, out var why);
        LaneRefusal = why;
        if (_lanes is { } lm) _laneLocal = new ThreadLocal<LaneWorkspace>(lm.CreateWorkspace);
    }

    /// <summary>Why <see cref="RunBatch"/> runs sample by sample (the first intermediate not proved to fit int32
    /// lanes, or the scalar width); null when it runs groups of samples in lanes.</summary>
    public string? LaneRefusal { get; }

    /// <summary>Samples per lane group of <see cref="RunBatch"/> (1 when it runs sample by sample).</summary>
    public int BatchLanes => _lanes?.Lanes ?? 1;

    /// <summary>Prepares <paramref name="m"/> once; <paramref name="width"/> forces a narrower SIMD width (default: the widest this CPU has).</summary>
    public static FastModel Prepare(IntModel m, VectorWidth? width = null) => new(m, width ?? VectorWidths.Best);

    public int InputSize => Model.Config.InChannels * Model.Config.Height * Model.Config.Width;
    public int Outputs => Model.Head!.OutFeatures;

    /// <summary>Which layers accumulate in int32 lanes (the rest in 64 bits): for the report of `emamba run`.</summary>
    public (int Lanes, int Wide) LayerAccumulators()
    {
        var all = Blocks.SelectMany(b => new[] { b.InProj, b.XProj, b.DtProj, b.OutProj }).Append(Embed).Append(Head).ToArray();
        return (all.Count(l => l.Lanes), all.Count(l => !l.Lanes));
    }

    /// <summary>A workspace for <see cref="Run(ReadOnlySpan{long}, Span{long}, FastWorkspace)"/>: one per thread.</summary>
    public FastWorkspace CreateWorkspace() => new(this);

    /// <summary>One sample's input codes (C, H, W) -> the head's outputs (NumOutputs codes), as Reference.Run.</summary>
    public long[] Run(ReadOnlySpan<long> input)
    {
        var o = new long[Outputs];
        Run(input, o, _local.Value!);
        return o;
    }

    public void Run(ReadOnlySpan<long> input, Span<long> output, FastWorkspace w)
    {
        if (input.Length != InputSize) throw new ArgumentException($"input has {input.Length} codes, the model takes {InputSize}", nameof(input));
        w.Reset();
        int pd = Model.Config.PatchDim;
        var x = w.X; var patch = w.Patch; var pooled = w.Pooled;
        for (int t = 0; t < Model.Tokens; t++)
        {
            for (int k = 0; k < pd; k++) patch[k] = input[PatchIndex[t * pd + k]];   // (C*P*P)
            Embed.Run(patch, t, x, w.Xs, w.Width, w.Acc);                             // (D), position table in the token bias
            for (int i = 0; i < Blocks.Length; i++) Blocks[i].Step(x, w, w.Blocks[i]);
            FinalNorm.Run(x, w.N);                                                    // (D)
            for (int d = 0; d < pooled.Length; d++) pooled[d] += w.N[d];
        }
        Head.Run(pooled, 0, output, w.Xs, w.Width, w.Acc);                            // (NumOutputs)
    }

    /// <summary>B samples, row-major (B, C*H*W) -> (B, NumOutputs), over <paramref name="threads"/> threads.
    /// Samples are independent: groups of <see cref="BatchLanes"/> samples (one per lane) or single samples are
    /// each computed whole by one thread, and a lane computes what its sample computes alone, so the codes depend
    /// neither on the thread count nor on the batch's grouping.</summary>
    public long[] RunBatch(ReadOnlyMemory<long> inputs, int threads = 1)
    {
        int size = InputSize, outs = Outputs;
        if (inputs.Length % size != 0) throw new ArgumentException($"{inputs.Length} codes are not a whole number of {size}-code samples", nameof(inputs));
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), "threads must be >= 1");
        int n = inputs.Length / size;
        var outp = new long[n * outs];
        // A group costs about as much as G / 8 samples run alone (mars-paper at 16 lanes: ~10 us per lane against
        // ~110 us per sample), so it pays from an eighth of a group.
        if (_lanes is { } lm && _laneLocal is { } local && n * 8 >= lm.Lanes)
        {
            int g = lm.Lanes, groups = (n + g - 1) / g;
            void Group(int i, LaneWorkspace w)
            {
                int first = i * g, count = Math.Min(g, n - first);
                lm.RunGroup(inputs.Span.Slice(first * size, count * size), count, outp.AsSpan(first * outs, count * outs), w);
            }
            if (threads == 1 || groups == 1) for (int i = 0; i < groups; i++) Group(i, local.Value!);
            else Parallel.For(0, groups, new ParallelOptions { MaxDegreeOfParallelism = threads }, lm.CreateWorkspace,
                (i, _, w) => { Group(i, w); return w; }, _ => { });
            return outp;
        }
        if (threads == 1 || n == 1)
        {
            var w = _local.Value!;
            for (int i = 0; i < n; i++) Run(inputs.Span.Slice(i * size, size), outp.AsSpan(i * outs, outs), w);
            return outp;
        }
        Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = threads }, () => CreateWorkspace(), (i, _, w) =>
        {
            Run(inputs.Span.Slice(i * size, size), outp.AsSpan(i * outs, outs), w);
            return w;
        }, _ => { });
        return outp;
    }
}
