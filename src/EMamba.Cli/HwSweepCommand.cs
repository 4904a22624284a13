using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EMamba.Core;
using EMamba.Hardware;
using EMamba.Hardware.Report;
using EMamba.Hardware.Stages;
using EMamba.Hardware.Sweep;
using EMamba.Reports;
using Spectre.Console;

namespace EMamba.Cli;

/// <summary><c>emamba hw sweep</c>: a grid of accelerator configs on one model (docs/cost.md, "Sweep"), the
/// latency-vs-area and energy-vs-area Pareto fronts as a table, Markdown, JSON and PNGs, resumable.</summary>
public static class HwSweepCommand
{
    public static Command Create(Option<string> model, Option<string?> config)
    {
        var grid = new Option<string?>("--grid") { Description = $"Grid JSON: config key -> list of values ({string.Join(", ", SweepGrid.Keys)}; norm_reciprocal takes \"rom\" / \"divider\"); default: the built-in 72-point grid." };
        var area = SwitchOption.WithDefault("--area", "modelled (multipliers and memory bits, instant) or synthesized (yosys generic gates per point, cached; minutes per point).",
            AreaSource.Modelled, v => $"--area '{v}' must be modelled or synthesized");
        var output = new Option<string>("--out") { Description = "Sweep folder: points.jsonl (resume state), sweep.md, sweep.json, PNGs; a rerun continues it.", Required = true };
        var cache = new Option<string?>("--cache") { Description = "Synthesis result cache (default: ~/.cache/emamba/hw)." };
        var timeout = new Option<int>("--timeout") { Description = "Minutes per synthesis before it is stopped (1..1440).", DefaultValueFactory = _ => 120 };
        var cmd = new Command("sweep", "Sweep accelerator configs on one model: cycles, latency, energy and area per point, the Pareto fronts; resumable.");
        foreach (var o in new Option[] { model, config, grid, area, output, cache, timeout }) cmd.Options.Add(o);
        cmd.SetAction(r => App.Guard(ct =>
        {
            int minutes = r.GetValue(timeout);
            if (minutes is < 1 or > 1440) throw new EMambaException($"--timeout {minutes}: must be 1..1440 minutes", ExitCodes.Usage);
            var res = AnsiConsole.Progress().AutoClear(true).Start(p =>
            {
                var task = p.AddTask("sweeping");
                return HwSweepStage.Run(new HwSweepStage.Request(r.GetValue(model)!, r.GetValue(config), r.GetValue(grid), r.GetValue(area), r.GetValue(output)!,
                    r.GetValue(cache), TimeSpan.FromMinutes(minutes), ConsoleStageObserver.Instance, (done, total) => { task.MaxValue = total; task.Value = done; }), ct);
            });
            Write(res, r.GetValue(model)!);
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    private static string F(double v, string f) => v.ToString(f, CultureInfo.InvariantCulture);

    private static string Lanes(AcceleratorConfig c) =>
        (c.LinearInterval > 0 ? $"{c.LinearLanes}L/ii{c.LinearInterval}" : $"{c.LinearLanes}x{c.LinearRows}") + $" v{c.VectorLanes} s{c.SsmLanes}x{c.StateLanes}" + (c.StreamLanes > 1 ? $" io{c.StreamLanes}" : "") + (c.ExpUnits > 0 ? $" e{c.ExpUnits}" : "")
        + (c.NormReciprocal == NormReciprocal.Divider ? " div" : "") + (c.Blocks == BlockMode.Shared ? " shared" : "");

    private static void Write(HwSweepStage.Result res, string modelPath)
    {
        var pts = res.Points;
        var order = Enumerable.Range(0, pts.Count).OrderBy(i => pts[i].Cycles).ThenBy(i => pts[i].AreaMm2).ToList();
        var t = new Table().Border(TableBorder.Simple);
        foreach (var h in new[] { "config", "cycles", "latency (us)", "bottleneck", "energy (nJ)", "power (mW)", "multipliers", "area (mm2)", "front" }) t.AddColumn(h);
        foreach (int i in order.Where(i => res.LatencyArea[i] || res.EnergyArea[i]))
            t.AddRow(Lanes(pts[i].Config), F(pts[i].Cycles, "N0"), F(pts[i].Microseconds, "F2"), Markup.Escape(pts[i].Bottleneck), F(pts[i].Nanojoules, "F1"),
                F(pts[i].Milliwatts, "F2"), F(pts[i].Multipliers, "N0"), F(pts[i].AreaMm2, "F3"), Fronts(res, i));
        AnsiConsole.Write(t);
        var md = Markdown(res, modelPath, order);
        string dir = res.Out;
        AtomicFile.WriteAllText(Path.Combine(dir, "sweep.md"), md);
        AtomicFile.WriteAllText(Path.Combine(dir, "sweep.json"), JsonSerializer.Serialize(new
        {
            model = Path.GetFileName(modelPath), area = pts[0].Source.ToString().ToLowerInvariant(), refused = res.Refused,
            points = order.Select(i => new { config = pts[i].Config, cycles = pts[i].Cycles, latency_us = pts[i].Microseconds, initiation_interval = pts[i].InitiationInterval,
                bottleneck = pts[i].Bottleneck, energy_nj = pts[i].Nanojoules, power_mw = pts[i].Milliwatts, multipliers = pts[i].Multipliers, memory_bits = pts[i].MemoryBits,
                area_mm2 = pts[i].AreaMm2, gates = pts[i].Gates, flops = pts[i].Flops, latency_area_front = res.LatencyArea[i], energy_area_front = res.EnergyArea[i] }),
        }, AcceleratorConfig.Json));   // the configs as their files spell them
        var peers = Peers(res);
        HwSweepPlot.Front(Path.Combine(dir, "latency-area.png"), $"{Path.GetFileName(modelPath)}: latency vs area ({pts.Count} configs)", "latency per inference (us)", "area at 22 nm (mm2, estimated)",
            pts.Select((p, i) => (p.Microseconds, p.AreaMm2, res.LatencyArea[i])).ToList(), peers);
        HwSweepPlot.Front(Path.Combine(dir, "energy-area.png"), $"{Path.GetFileName(modelPath)}: energy vs area ({pts.Count} configs)", "energy per inference (nJ, estimated)", "area at 22 nm (mm2, estimated)",
            pts.Select((p, i) => (p.Nanojoules, p.AreaMm2, res.EnergyArea[i])).ToList(), peers.Where(p => p.X is null).ToList());
        AnsiConsole.MarkupLine(Markup.Escape($"{pts.Count} configs ({res.Resumed} from the earlier run, {res.Refused} refused by the config limits); " +
            $"{res.LatencyArea.Count(f => f)} on the latency-area front, {res.EnergyArea.Count(f => f)} on the energy-area front; wrote {dir}/sweep.md, sweep.json, latency-area.png, energy-area.png"));
    }

    private static string Fronts(HwSweepStage.Result res, int i) => (res.LatencyArea[i], res.EnergyArea[i]) switch
    {
        (true, true) => "latency, energy", (true, false) => "latency", (false, true) => "energy", _ => "",
    };

    /// <summary>The published MARS designs (<see cref="MarsPeers"/>): those with a cycle count as latency lines (at their
    /// own clock, else at the sweep's), those with an area as area lines; their areas and latencies are never both
    /// published, so none is a point. Only MARS models are compared with their cycles.</summary>
    private static List<HwSweepPlot.Reference> Peers(HwSweepStage.Result res)
    {
        var refs = new List<HwSweepPlot.Reference>();
        bool mars = res.Model.Config.Task == TaskKind.Mars;
        double clock = res.Points[0].Config.ClockMhz;
        foreach (var p in MarsPeers.All)
        {
            // An area is a size on the chip's process whatever the task; a cycle count belongs to the MARS model.
            if (p.Cycles is { } cy && mars)
                refs.Add(new(string.Create(CultureInfo.InvariantCulture, $"{p.Name}: {cy:N0} cycles at {p.ClockMhz ?? clock:0.#} MHz{(p.ClockMhz is null ? " (ours; it states none)" : "")}"), cy / (p.ClockMhz ?? clock), null));
            if (p.AreaMm2 is { } a) refs.Add(new(string.Create(CultureInfo.InvariantCulture, $"{p.Name}: {a:0.###} mm2"), null, a));
        }
        return refs;
    }

    private static string Markdown(HwSweepStage.Result res, string modelPath, List<int> order)
    {
        var pts = res.Points;
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"# Accelerator sweep: {Path.GetFileName(modelPath)}\n\n");
        sb.Append(CultureInfo.InvariantCulture, $"`{App.CommandLine}` ({DateTime.UtcNow:yyyy-MM-dd}, {MachineInfo.Describe()}). ");   // as typed: the grid, base config and area flags matter
        sb.Append(CultureInfo.InvariantCulture, $"{pts.Count} configs; {res.Refused} combinations refused by the config limits. ");
        sb.Append("Cycles: the cycle model, which equals the RTL's measured cycles on every configuration co-simulated (docs/results/hardware.md). ");
        sb.Append("Energy and power: estimated (docs/cost.md, band about 3x). ");
        sb.Append(pts[0].Source == AreaSource.Modelled
            ? "Area: estimated from the multipliers and memory bits alone (docs/cost.md, \"Baselines\"; no registers, muxes or control: a lower bound on the logic).\n\n"
            : "Area: yosys generic gates and flip-flops of each point's RTL priced by the 22 nm cell table (docs/synthesis.md, band 2x).\n\n");
        sb.Append("Config: `LxR` linear lanes x rows (or `L/iiN` rows per layer for an interval), `v` vector lanes, `s` SSM lanes x state lanes, `io` codes per stream beat, `e` exp units shared by the scan PEs (none: one per PE), `div` range norms by divider, `shared` blocks time-multiplexed on one set of units (layer-major).\n\n");
        var fastest = pts.MinBy(p => p.Microseconds)!;
        var smallest = pts.MinBy(p => p.AreaMm2)!;
        sb.Append(CultureInfo.InvariantCulture, $"Fastest: {Lanes(fastest.Config)}, {fastest.Cycles:N0} cycles ({fastest.Microseconds:F2} us, {fastest.AreaMm2:F3} mm2); smallest: {Lanes(smallest.Config)}, {smallest.AreaMm2:F3} mm2 ({smallest.Cycles:N0} cycles).");
        if (res.Model.Config.Task == TaskKind.Mars)
            foreach (var p in MarsPeers.All.Where(p => p.Cycles is not null))
                sb.Append(CultureInfo.InvariantCulture, $" The {p.Name.Split(' ')[0]} peer ({p.Name}; {p.Basis}): {p.Cycles:N0} cycles, {(double)p.Cycles! / fastest.Cycles:F1}x the fastest point's and {(double)p.Cycles! / smallest.Cycles:F2}x the smallest's.");
        if (res.Model.Config.Task == TaskKind.Mars)
            sb.Append(" The peers' areas are not in mm2 (LUTs on an ECP5, or none published), so the plots show them as latency lines; the eMamba chip's core area is the area line.");
        sb.Append("\n\n![latency vs area](latency-area.png)\n\n![energy vs area](energy-area.png)\n\n");
        sb.Append("| config | cycles | latency (us) | II | bottleneck | energy (nJ) | power (mW) | multipliers | memory bits | area (mm2) | front |\n|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---|\n");
        foreach (int i in order)
        {
            var p = pts[i];
            sb.Append(CultureInfo.InvariantCulture, $"| {Lanes(p.Config)} | {p.Cycles:N0} | {p.Microseconds:F2} | {p.InitiationInterval} | {p.Bottleneck} | {p.Nanojoules:F1} | {p.Milliwatts:F2} | {p.Multipliers:N0} | {p.MemoryBits:N0} | {p.AreaMm2:F3} | {Fronts(res, i)} |\n");
        }
        return sb.ToString();
    }
}
