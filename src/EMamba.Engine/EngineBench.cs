using System.Diagnostics;
using EMamba.Core;
using EMamba.Core.Integer;
using EMamba.Engine.Fast;

namespace EMamba.Engine;

/// <summary>The integer side of <c>emamba bench engine</c>: frames/s of the fast path (batch 1 and
/// batched, one thread and many) and of the scalar reference, on random input codes (speed does not
/// depend on them), plus the arithmetic floor: the config's multiplies per frame over the CPU's nominal
/// peak INT8 MAC rate.</summary>
public static class EngineBench
{
    /// <summary>One measured contender.</summary>
    public sealed record Row(string Contender, int Batch, int Threads, int Frames, double FramesPerSecond, double UsPerFrame, string Note = "");

    /// <summary>Multiplies per frame, counted from the config (doc §3-§15): every linear (embed, in_proj, x_proj,
    /// dt_proj, out_proj, head), the depthwise conv, the two per element of each range norm, and the scan's
    /// Delta a, B (Delta u), A_bar h and C h per state element plus Delta u, D u and the gate per channel.</summary>
    public static long MacsPerFrame(ModelConfig c)
    {
        long d = c.DModel, din = c.DInner, n = c.DState, r = c.DtRankValue, k = c.DConv, t = c.Tokens;
        long block = d * 2 * din + din * k + din * (r + 2 * n) + r * din + din * d   // linears and conv
                   + 2 * d                                                            // range norm
                   + din * n * 4 + din * 3;                                           // scan, D skip, gate
        long token = c.PatchDim * d + c.NLayers * block + 2 * d;                      // embed, blocks, final norm
        return t * token + d * c.NumOutputs;                                          // + head
    }

    /// <summary>The CPU's nominal peak INT8 multiply-accumulate rate, and how it was computed.</summary>
    public sealed record Peak(double MacsPerSecond, int Cores, double Ghz, int MacsPerInstruction, string How);

    /// <summary>From /proc/cpuinfo: the widest int8 dot-product instruction the flags name (AVX-512 VNNI vpdpbusd zmm:
    /// 64 int8 MACs; AVX-VNNI ymm: 32; AVX2 vpmaddubsw ymm: 32 products), times one such instruction per cycle per
    /// logical core (nominal: AMD Zen 4 issues one 512-bit vpdpbusd per cycle; Intel cores with two 512-bit FMA
    /// ports issue two), times the reported clock, times the logical cores.</summary>
    public static Peak Int8Peak()
    {
        string flags = "", model = "unknown CPU";
        double mhz = 0;
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                var kv = line.Split(':', 2);
                if (kv.Length < 2) continue;
                string key = kv[0].Trim(), val = kv[1].Trim();
                if (key == "flags" && flags.Length == 0) flags = " " + val + " ";
                else if (key == "model name" && model == "unknown CPU") model = val;
                else if (key == "cpu MHz" && double.TryParse(val, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var f)) mhz = Math.Max(mhz, f);
            }
        }
        catch (IOException) { }
        var (macs, insn) = flags.Contains(" avx512_vnni ") ? (64, "AVX-512 VNNI vpdpbusd zmm, 64 int8 MACs")
            : flags.Contains(" avx_vnni ") ? (32, "AVX-VNNI vpdpbusd ymm, 32 int8 MACs")
            : flags.Contains(" avx2 ") ? (32, "AVX2 vpmaddubsw ymm, 32 int8 products") : (16, "SSE pmaddubsw, 16 int8 products");
        if (mhz <= 0) mhz = 1000;
        int cores = Environment.ProcessorCount;
        double ghz = mhz / 1000;
        double peak = macs * 1.0 * ghz * 1e9 * cores;
        return new Peak(peak, cores, ghz, macs,
            $"nominal: {insn} x 1 instruction/cycle x {ghz:F2} GHz (cpu MHz, /proc/cpuinfo) x {cores} logical cores = {peak / 1e9:F1} GMAC/s ({model})");
    }

    /// <summary>Random input codes in the model's input domain, (B, C*H*W).</summary>
    public static long[] Inputs(IntModel m, int frames, int seed = 1)
    {
        var rng = new Random(seed);
        int size = m.Config.InChannels * m.Config.Height * m.Config.Width;
        var x = new long[(long)frames * size];
        for (long i = 0; i < x.Length; i++) x[i] = m.Input.Clamp(rng.Next(-100, 100));
        return x;
    }

    /// <param name="frames">frames timed at batch 1</param>
    /// <param name="batch">the batched contenders' batch</param>
    /// <param name="referenceFrames">frames of the scalar reference (it is one to two orders slower)</param>
    public static IReadOnlyList<Row> Run(IntModel m, int frames, int batch, int threads, int referenceFrames, Action<Row>? progress = null)
    {
        var rows = new List<Row>();
        void Add(Row r) { rows.Add(r); progress?.Invoke(r); }
        var fm = FastModel.Prepare(m);
        int size = fm.InputSize;
        var x = Inputs(m, Math.Max(Math.Max(frames, batch), referenceFrames));
        string fast = $"integer engine, fast path ({fm.Width})";
        Add(TimeBatch1(fm, x, frames, fast, null));
        // Batched: B frames per call over 1 and over all threads.
        var sw = Stopwatch.StartNew();
        var xb = x.AsMemory(0, batch * size);
        foreach (int th in threads > 1 ? new[] { 1, threads } : [1])
        {
            // The same warm-up as batch 1: the batched path is other code, and one small call leaves it at its first tier.
            sw.Restart();
            for (int i = 0; i < 2 || sw.Elapsed.TotalSeconds < 0.3; i++) fm.RunBatch(xb, th);
            sw.Restart();
            fm.RunBatch(xb, th);
            Add(Make(fast, batch, th, batch, sw.Elapsed.TotalSeconds));
        }
        // The scalar reference: the definition, batch 1, one thread, a few frames.
        Reference.Run(m, x.AsSpan(0, size));
        sw.Restart();
        for (int i = 0; i < referenceFrames; i++) Reference.Run(m, x.AsSpan(i * size, size));
        Add(Make("integer engine, reference path (scalar)", 1, 1, referenceFrames, sw.Elapsed.TotalSeconds));
        return rows;
    }

    /// <summary>The fast path at batch 1 on one thread, <paramref name="frames"/> random frames timed after the warm-up:
    /// the figure <c>hw report</c> sets beside the accelerator. <paramref name="progress"/> gets the frames done.</summary>
    public static Row Batch1(IntModel m, int frames, Action<int>? progress = null)
    {
        var fm = FastModel.Prepare(m);
        return TimeBatch1(fm, Inputs(m, frames), frames, $"integer engine, fast path ({fm.Width})", progress);
    }

    // One frame after another on one workspace (a streaming device's case). Warm-up for at least 0.3 s, so the
    // timed code is the JIT's optimized tier, not its first one; progress about 100 times, so it costs nothing.
    private static Row TimeBatch1(FastModel fm, long[] x, int frames, string name, Action<int>? progress)
    {
        int size = fm.InputSize, every = Math.Max(1, frames / 100);
        var w = fm.CreateWorkspace();
        var o = new long[fm.Outputs];
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < 2 || sw.Elapsed.TotalSeconds < 0.3; i++) fm.Run(x.AsSpan(i % frames * size, size), o, w);
        sw.Restart();
        for (int i = 0; i < frames; i++)
        {
            fm.Run(x.AsSpan(i * size, size), o, w);
            if (progress != null && ((i + 1) % every == 0 || i + 1 == frames)) { sw.Stop(); progress(i + 1); sw.Start(); }
        }
        return Make(name, 1, 1, frames, sw.Elapsed.TotalSeconds);
    }

    private static Row Make(string name, int batch, int threads, int frames, double sec) =>
        new(name, batch, threads, frames, frames / sec, sec * 1e6 / frames);
}
