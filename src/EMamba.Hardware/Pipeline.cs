using EMamba.Core.Integer;

namespace EMamba.Hardware;

/// <summary>Which unit runs a stage.</summary>
public enum StageKind { Input, Linear, RangeNorm, Conv, Scan, Output }

/// <summary>One stage of the token-overlapped pipeline (docs/hardware.md, "Pipeline"): a unit that takes
/// a start cycle plus <see cref="Work"/> cycles per token (per inference for the head and the output
/// stream). The element-wise ops ride on a stage's write port: conv SiLU on the conv, SiLU(z) and the
/// gate on the scan, the residual on out_proj, the mean pool on norm_f. A <see cref="Layered"/> stage (shared
/// blocks) runs one job per (layer, token), layer-major.</summary>
public sealed record Stage(int Index, string Name, StageKind Kind, int Work, bool PerToken, bool Layered = false);

/// <summary>An activation buffer between stages: written by one stage, read by later ones, with
/// <see cref="Slots"/> token slots (a power of two, at least the stage distance + 1) so that the
/// writer can run ahead of its slowest reader by that many tokens.</summary>
public sealed record Buffer(string Name, int Size, int Writer, IReadOnlyList<int> Readers, int Slots)
{
    public int SlotBits => System.Numerics.BitOperations.Log2((uint)Slots);
}

/// <summary>The stages and buffers of a model on a config, in pipeline order. With shared blocks one set of
/// block stages (named <c>blocks.L.*</c>) runs <see cref="Layers"/> x T jobs, and the residual stream is
/// one full-sequence memory of T x D codes (not in <see cref="Buffers"/>): the embedding writes token t's
/// slot, each out_proj job rewrites it in place, and norm job (l, t) waits for out_proj job (l - 1, t).</summary>
public sealed record Pipeline(IReadOnlyList<Stage> Stages, IReadOnlyList<Buffer> Buffers, int Layers = 1)
{
    /// <summary>Whether the blocks share one set of stages (then <see cref="Layers"/> is the model's block count).</summary>
    public bool Shared => Stages.Any(s => s.Layered);

    /// <summary>The prefix of the shared block stages' and taps' names (Trace's blocks.{l}. with the layer left open).</summary>
    public const string SharedPrefix = "blocks.L.";

    /// <summary>Jobs a stage runs per inference: T tokens, L x T (layer, token) pairs for a shared block stage, or one.</summary>
    public int Jobs(Stage s, int tokens) => s.Layered ? Layers * tokens : s.PerToken ? tokens : 1;

    public Stage this[string name] => Stages.First(s => s.Name == name);
    public Buffer Buf(string name) => Buffers.First(b => b.Name == name);

    /// <summary>Cycles of a linear layer on a lanes x rows MAC array: ceil(Out / rows) row groups of ceil(In / lanes) cycles.</summary>
    public static int LinearWork(IntLinear l, AcceleratorConfig c) => Ceil(l.OutFeatures, c.RowsFor(l.InFeatures, l.OutFeatures)) * Ceil(l.InFeatures, c.LinearLanes);

    /// <summary>Two passes over D at vector_lanes per cycle (statistics, then output) and the reciprocal: one
    /// ROM lookup, or one divider cycle per quotient bit.</summary>
    public static int NormWork(IntRangeNorm n, AcceleratorConfig c) =>
        2 * Ceil(n.Width, c.VectorLanes) + (c.NormReciprocal == NormReciprocal.Divider ? QuotientBits(n) : 1);

    /// <summary>The divider's quotient bits: the bit length of the largest reciprocal, RECIP[1].</summary>
    public static int QuotientBits(IntRangeNorm n) => 64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)n.Recip[1]);

    /// <summary>The divider's remainder width, em_range_norm's NW: B + clog2(D + 1) + 20.</summary>
    public static int DividerBits(IntRangeNorm n) => n.In.Bits + (32 - System.Numerics.BitOperations.LeadingZeroCount((uint)n.Width)) + 20;

    /// <summary>The scan: channel groups x state groups, each taking one cycle per turn of the shared exp units.</summary>
    public static int ScanWork(IntBlock b, AcceleratorConfig c) => Ceil(b.DInner, c.SsmLanes) * Ceil(b.DState, c.StateLanes) * c.ScanPhases();

    public static int Ceil(int a, int b) => (a + b - 1) / b;

    public static Pipeline Of(IntModel m, AcceleratorConfig c)
    {
        if (m.Embed is not { } embed || m.Head is not { } head) throw new ArgumentException("the accelerator runs vision / radar models; language models are not supported yet", nameof(m));
        var cfg = m.Config;
        int patchCodes = cfg.InChannels * cfg.Patch * cfg.Patch, d = cfg.DModel;
        var st = new List<Stage>();
        var bufs = new List<(string Name, int Size, int Writer, List<int> Readers)>();
        int Add(string name, StageKind k, int work, bool perToken = true, bool layered = false) { st.Add(new Stage(st.Count, name, k, work, perToken, layered)); return st.Count - 1; }
        void Buf(string name, int size, int writer, params int[] readers) => bufs.Add((name, size, writer, readers.ToList()));

        int sin = Add("in", StageKind.Input, Ceil(patchCodes, c.StreamLanes));
        int sEmbed = Add("embed", StageKind.Linear, LinearWork(embed, c));
        Buf("input", patchCodes, sin, sEmbed);
        string x = "x0"; int xWriter = sEmbed;
        bool shared = c.Blocks == BlockMode.Shared;
        foreach (var b in shared ? m.Blocks.Take(1) : m.Blocks)
        {
            string p = shared ? SharedPrefix : $"blocks.{b.Index}.";
            int norm = Add(p + "norm", StageKind.RangeNorm, NormWork(b.Norm, c), layered: shared);
            int inProj = Add(p + "in_proj", StageKind.Linear, LinearWork(b.InProj, c), layered: shared);
            int conv = Add(p + "conv", StageKind.Conv, Ceil(b.DInner, c.VectorLanes), layered: shared);
            int xProj = Add(p + "x_proj", StageKind.Linear, LinearWork(b.XProj, c), layered: shared);
            int dtProj = Add(p + "dt_proj", StageKind.Linear, LinearWork(b.DtProj, c), layered: shared);
            int scan = Add(p + "scan", StageKind.Scan, ScanWork(b, c), layered: shared);
            int outProj = Add(p + "out_proj", StageKind.Linear, LinearWork(b.OutProj, c), layered: shared);
            if (!shared) Buf(x, d, xWriter, norm, outProj);
            Buf(p + "n", d, norm, inProj);
            Buf(p + "u0", b.DInner, inProj, conv);
            Buf(p + "z", b.DInner, inProj, scan);
            Buf(b.ConvSilu != null ? p + "u" : p + "uc", b.DInner, conv, xProj, scan);   // Trace's name of the conv's output
            Buf(p + "dt", b.DtRank, xProj, dtProj);
            Buf(p + "B", b.DState, xProj, scan);
            Buf(p + "C", b.DState, xProj, scan);
            Buf(p + "delta", b.DInner, dtProj, scan);
            Buf(p + "g", b.DInner, scan, outProj);
            x = p + "r"; xWriter = outProj;
        }
        int normF = Add("norm_f", StageKind.RangeNorm, NormWork(m.FinalNorm, c));
        if (!shared) Buf(x, d, xWriter, normF);
        Add("head", StageKind.Linear, LinearWork(head, c), perToken: false);
        Add("out", StageKind.Output, Ceil(cfg.NumOutputs, c.StreamLanes), perToken: false);
        var buffers = bufs.Select(b => new Buffer(b.Name, b.Size, b.Writer, b.Readers,
            (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)(b.Readers.Max() - b.Writer + 1)))).ToList();
        return new Pipeline(st, buffers, shared ? m.Blocks.Length : 1);
    }
}
