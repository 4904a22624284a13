using System.Globalization;
using System.Text;
using EMamba.Core.Integer;

namespace EMamba.Hardware;

/// <summary>A stage's figures in the schedule: its work per token, when it starts token 0 and ends the
/// last one, and the fraction of the inference its unit is busy (start cycles included).</summary>
public sealed record StageTiming(Stage Stage, long FirstStart, long LastEnd, long BusyCycles, double Utilisation);

/// <summary>The cycle-level schedule of one inference on the token-overlapped pipeline (docs/hardware.md,
/// "Cycle model"), with the input stream valid and the output stream ready on every cycle. Cycle 0
/// samples start. A stage starts token t in the cycle after the last of: its own end of token t - 1,
/// the previous stage's end of token t, and, for each buffer it writes with K slots, every reader's end
/// of token t - K; it then works <see cref="Stage.Work"/> cycles (the last one asserts done). The head
/// starts after norm_f's last token, the output stream after the head, and done follows the last beat.
/// The RTL's stage controllers implement exactly these rules; co-simulation tests prove the counts equal.</summary>
public sealed record CycleModel(Pipeline Pipeline, int Tokens, long[][] Start, long[][] End, long Total)
{
    /// <summary>Latency of one inference at the config's clock target, in microseconds.</summary>
    public double Microseconds(AcceleratorConfig c) => Total / c.ClockMhz;

    /// <summary>The bottleneck's cycles per token (start cycle included): the pipeline's initiation interval.</summary>
    public long InitiationInterval => Pipeline.Stages.Where(s => s.PerToken).Max(s => s.Work + 1L);

    /// <summary>The closed form of a pipeline whose buffers never stall a writer: 1 + the sum of every
    /// per-token stage's cycles (token 0 through all of them) + (T - 1) x the initiation interval + the
    /// head and the output stream + 1. A lower bound of <see cref="Total"/>; the gap is the stalls that
    /// finite buffer slots cause (docs/hardware.md, "Cycle model"). With shared blocks the interval term is
    /// L x T - 1 jobs of the slowest block stage.</summary>
    public long Analytical =>
        1 + Pipeline.Stages.Where(s => s.PerToken).Sum(s => s.Work + 1L)
          + (Pipeline.Shared ? (Pipeline.Layers * Tokens - 1) * Pipeline.Stages.Where(s => s.Layered).Max(s => s.Work + 1L) : (Tokens - 1) * InitiationInterval)
          + Pipeline.Stages.Where(s => !s.PerToken).Sum(s => s.Work + 1L) + 1;

    /// <summary>The stage that sets the initiation interval.</summary>
    public Stage Bottleneck => Pipeline.Stages.Where(s => s.PerToken).MaxBy(s => s.Work)!;

    /// <summary>Cycles until the last per-token stage (norm_f) starts token 0: the pipeline fill.</summary>
    public long Fill => Start[LastPerToken][0];

    /// <summary>Cycles from the input stream's last token to norm_f's end of it: the drain.</summary>
    public long Drain => End[LastPerToken][^1] - End[0][^1];

    private int LastPerToken => Pipeline.Stages.Last(s => s.PerToken).Index;

    public IEnumerable<StageTiming> Timings() => Pipeline.Stages.Select(s =>
    {
        long busy = (long)Start[s.Index].Length * (s.Work + 1);
        return new StageTiming(s, Start[s.Index][0], End[s.Index][^1], busy, (double)busy / Total);
    });

    /// <summary>The per-stage schedule as a Markdown table: cycles per token, first start, last end, utilisation.</summary>
    public string StageTable()
    {
        static string N(long v) => v.ToString("N0", CultureInfo.InvariantCulture);
        var sb = new StringBuilder("| stage | unit | cycles per token (start + work) | starts token 0 | ends last token | busy |\n|---|---|---:|---:|---:|---:|\n");
        foreach (var t in Timings())
            sb.Append($"| {t.Stage.Name}{(t.Stage.Layered ? $" ({Pipeline.Layers} x T jobs)" : t.Stage.PerToken ? "" : " (once)")} | {t.Stage.Kind.ToString().ToLowerInvariant()} | {N(t.Stage.Work + 1)} | {N(t.FirstStart)} | {N(t.LastEnd)} | {(100 * t.Utilisation).ToString("F0", CultureInfo.InvariantCulture)} % |\n");
        return sb.ToString();
    }

    public static CycleModel Of(IntModel m, AcceleratorConfig c) => Of(Pipeline.Of(m, c), m.Tokens);

    public static CycleModel Of(Pipeline p, int tokens)
    {
        int n = p.Stages.Count;
        var start = new long[n][]; var end = new long[n][];
        for (int k = 0; k < n; k++) start[k] = new long[p.Jobs(p.Stages[k], tokens)];
        for (int k = 0; k < n; k++) end[k] = new long[start[k].Length];
        var known = start.Select(a => new bool[a.Length]).ToArray();
        var writes = p.Stages.Select(s => p.Buffers.Where(b => b.Writer == s.Index).ToList()).ToArray();
        int lastLayered = p.Stages.LastOrDefault(s => s.Layered)?.Index ?? -1;
        // The jobs job (k, j) waits for: its own previous job, its predecessor's same job, and each reader's
        // job j - K of every buffer it writes with K slots. With shared blocks, norm job (l, t) follows the
        // embedding's token t for l = 0 and out_proj's job (l - 1, t) after that, and norm_f's token t follows
        // out_proj's job (L - 1, t).
        IEnumerable<(int K, int J)> Deps(int k, int j)
        {
            if (j > 0) yield return (k, j - 1);
            if (k > 0)
            {
                bool here = p.Stages[k].Layered, before = p.Stages[k - 1].Layered;
                if (here && !before) yield return j < tokens ? (k - 1, j) : (lastLayered, j - tokens);
                else if (!here && before) yield return (k - 1, (p.Layers - 1) * tokens + j);
                else yield return (k - 1, j);
            }
            foreach (var b in writes[k])
                if (j - b.Slots >= 0) foreach (int r in b.Readers) yield return (r, j - b.Slots);
        }
        // Passes in wavefront order until every job is placed: one pass when each dependency comes earlier in
        // that order; shared blocks on few tokens (norm waiting on out_proj) take a few more.
        var order = p.Stages.Where(s => s.PerToken).SelectMany(s => Enumerable.Range(0, start[s.Index].Length).Select(j => (s.Index, j)))
            .OrderBy(x => x.j + x.Index).ThenBy(x => x.Index).ToList();
        while (order.Count > 0)
        {
            var left = new List<(int, int)>();
            foreach (var (k, j) in order)
            {
                long ready = 0; bool ok = true;
                foreach (var (dk, dj) in Deps(k, j))
                {
                    if (!known[dk][dj]) { ok = false; break; }
                    ready = Math.Max(ready, end[dk][dj]);
                }
                if (!ok) { left.Add((k, j)); continue; }
                start[k][j] = ready + 1;
                end[k][j] = start[k][j] + p.Stages[k].Work;
                known[k][j] = true;
            }
            if (left.Count == order.Count) throw new InvalidOperationException("the pipeline's schedule has a cycle (a generator bug)");
            order = left;
        }
        long prev = p.Stages.Where(s => s.PerToken).Max(s => end[s.Index][^1]);
        foreach (var s in p.Stages.Where(s => !s.PerToken))
        {
            start[s.Index][0] = prev + 1;
            end[s.Index][0] = prev = start[s.Index][0] + s.Work;
        }
        return new CycleModel(p, tokens, start, end, prev + 2);   // done follows the last beat; cycles 0 .. done inclusive
    }
}
