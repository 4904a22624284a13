using System.Text.Json;
using System.Text.Json.Serialization;
using EMamba.Core;
using EMamba.Core.Integer;
using EMamba.Hardware.Cost;
using EMamba.Hardware.Sweep;
using EMamba.Hardware.Synthesis;

namespace EMamba.Hardware.Stages;

/// <summary><c>emamba hw sweep</c> as a library call (docs/cost.md, "Sweep"): every config of a grid on one
/// quantized model, its cycles, energy and area, and the Pareto fronts of latency vs area and energy vs area.
/// Resumable: each finished point is one line of <c>points.jsonl</c> in the sweep folder, keyed by the hash of
/// the design it generates (model and config) and the area source, so a rerun computes only what is missing,
/// and a line cut short by a kill is ignored.</summary>
public static class HwSweepStage
{
    public const string PointsFile = "points.jsonl";

    public sealed record Request(string Model, string? BaseConfig, string? Grid, AreaSource Area, string Out,
        string? Cache = null, TimeSpan? Timeout = null, IStageObserver? Observer = null, Action<int, int>? Progress = null);

    public sealed record Result(string Out, IReadOnlyList<SweepPoint> Points, bool[] LatencyArea, bool[] EnergyArea, int Refused, int Resumed, IntModel Model);

    /// <summary>The cost model's version: a point scored by another version is scored again on resume (the design
    /// hash does not change when only the pricing does). 2: the reciprocal ROM's read is priced.</summary>
    public const int CostModel = 2;

    /// <param name="CostModel">0 in lines written before it was recorded</param>
    private sealed record Line(string Design, AreaSource Source, SweepPoint Point, int CostModel);

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static Result Run(Request q, CancellationToken ct = default)
    {
        var obs = q.Observer ?? SilentStageObserver.Instance;
        var (m, baseConfig) = HwGenStage.Load(q.Model, q.BaseConfig);
        var grid = q.Grid is null ? SweepGrid.Default : SweepGrid.Load(q.Grid);
        var (configs, refused) = grid.Expand(baseConfig);
        if (configs.Count == 0) throw new EMambaException($"{q.Grid ?? "the built-in grid"}: every combination is refused by the accelerator config's limits", ExitCodes.BadConfig);
        string dir = Path.GetFullPath(q.Out);
        try { Directory.CreateDirectory(dir); }
        catch (IOException e) { throw new EMambaException($"{dir}: {e.Message}", ExitCodes.Io, e); }
        string file = Path.Combine(dir, PointsFile);
        var done = Read(file);
        obs.Info($"sweep: {configs.Count} configs ({refused} refused by the config limits), area {q.Area.ToString().ToLowerInvariant()}; {file}");

        var energy = EnergyTable.Gf22;
        var points = new List<SweepPoint>(configs.Count);
        int resumed = 0;
        q.Progress?.Invoke(0, configs.Count);
        foreach (var c in configs)
        {
            ct.ThrowIfCancellationRequested();
            var d = HwGenStage.Generate(m, c);
            if (done.TryGetValue((d.Hash, q.Area), out var old)) { points.Add(old); resumed++; }
            else
            {
                var p = Measure(m, c, d, energy, q);
                points.Add(p);
                Append(file, new Line(d.Hash, q.Area, p, CostModel));
            }
            q.Progress?.Invoke(points.Count, configs.Count);
        }
        var la = ParetoFront.Of(points, p => p.Cycles / p.Config.ClockMhz, p => p.AreaMm2);
        var ea = ParetoFront.Of(points, p => p.Nanojoules, p => p.AreaMm2);
        return new Result(dir, points, la, ea, refused, resumed, m);
    }

    private static SweepPoint Measure(IntModel m, AcceleratorConfig c, Design d, EnergyTable e, Request q)
    {
        var cm = CycleModel.Of(m, c);
        var cost = ArrayModel.EMamba(m, c, d, e, AsicAreaTable.Node22);
        var p = new SweepPoint(c, cm.Total, cm.InitiationInterval, cm.Bottleneck.Name, cm.Microseconds(c), cost.Nanojoules, cost.Milliwatts,
            cost.Multipliers, cost.MemoryBits, cost.AreaMm2, AreaSource.Modelled);
        if (q.Area == AreaSource.Modelled) return p;
        var g = HwSynthStage.Run(m, d, c, new HwSynthStage.Request(q.Model, null, SynthTarget.Generic, Cache: q.Cache, Timeout: q.Timeout, Observer: q.Observer)).Synth.Generic!;
        return p with { AreaMm2 = g.Area.TotalMm2, Source = AreaSource.Synthesized, Gates = g.LogicGates, Flops = g.Flops, MemoryBits = g.MemoryBits };
    }

    /// <summary>The finished points of an earlier run; a malformed line (the tail of a killed run) is skipped.</summary>
    private static Dictionary<(string, AreaSource), SweepPoint> Read(string file)
    {
        var done = new Dictionary<(string, AreaSource), SweepPoint>();
        if (!File.Exists(file)) return done;
        foreach (var text in File.ReadLines(file))
        {
            Line? l;
            try { l = JsonSerializer.Deserialize<Line>(text, Json); }
            catch (JsonException) { continue; }
            if (l?.Point?.Config is null || l.Design is null || l.CostModel != CostModel) continue;
            done[(l.Design, l.Source)] = l.Point;
        }
        return done;
    }

    /// <summary>One line per point, flushed to disk before the next point starts; a line starts on a fresh line
    /// even after a cut-off tail, so a resumed run's lines parse.</summary>
    private static void Append(string file, Line l)
    {
        using var f = new FileStream(file, FileMode.Append, FileAccess.Write, FileShare.Read);
        if (f.Length > 0)
        {
            using var r = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            r.Seek(-1, SeekOrigin.End);
            if (r.ReadByte() != '\n') f.WriteByte((byte)'\n');
        }
        var bytes = JsonSerializer.SerializeToUtf8Bytes(l, Json);
        f.Write(bytes);
        f.WriteByte((byte)'\n');
        f.Flush(flushToDisk: true);
    }
}
