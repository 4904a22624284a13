using System.Globalization;
using System.Text;

namespace EMamba.Hardware.Report;

/// <summary>report.md of <c>hw report</c>, written from the record alone so that the Markdown and report.json cannot disagree.</summary>
public static class HwReportMarkdown
{
    /// <summary>The file names of the two plots, beside report.md.</summary>
    public const string EnergyPng = "energy.png", BaselinesPng = "baselines.png";

    private static string F(double v, string f) => v.ToString(f, CultureInfo.InvariantCulture);
    private static string N(double v) => F(v, "N0");
    private static string X(double? v) => v is { } x ? F(x, "F2") + "x" : "-";
    private static string O(double? v, string f) => v is { } x ? F(x, f) : "-";

    public static string Build(HwReport r)
    {
        var sb = new StringBuilder();
        void L(string s = "") => sb.Append(s).Append('\n');
        var c = r.Cycles;
        L($"# Hardware report: {r.Model}");
        L();
        L($"- command: `{r.Command}`");
        L($"- date: {r.Date}; machine: {r.Machine}");
        L($"- model: {r.Model} (task {r.Task}, sha256 {r.ModelSha256[..16]}...); config: {r.Config.Summary()}, {F(r.Config.ClockMhz, "0.###")} MHz");
        L("- every figure says whether it is measured or estimated, and by what; report.json has them all");
        L();
        L("## 1. Cycles, latency, throughput");
        L();
        L($"Basis: {c.Basis}.");
        L();
        L("| figure | value |\n|---|---:|");
        L($"| cycles per inference | {N(c.Total)} |");
        L($"| latency at {F(c.ClockMhz, "0.###")} MHz | {F(c.LatencyUs, "F2")} us |");
        L($"| throughput, back to back | {N(c.PerSecond)} inferences/s |");
        L($"| initiation interval | {N(c.InitiationInterval)} cycles/token ({c.Bottleneck}) |");
        L($"| fill / drain | {N(c.Fill)} / {N(c.Drain)} cycles |");
        L($"| closed form without stalls (lower bound) | {N(c.Analytical)} cycles |");
        L();
        L("| stage | unit | cycles per token (start + work) | starts token 0 | ends last token | busy |\n|---|---|---:|---:|---:|---:|");
        foreach (var st in c.Stages)
            L($"| {st.Stage}{(st.PerToken ? "" : " (once)")} | {st.Unit} | {N(st.CyclesPerToken)} | {N(st.StartsToken0)} | {N(st.EndsLastToken)} | {F(100 * st.Busy, "F0")} % |");
        L();
        var e = r.Energy;
        L("## 2. Energy and power");
        L();
        L($"Basis: {e.Basis}.");
        L();
        L($"**{F(e.Nanojoules, "F1")} nJ per inference** at {F(e.NodeNm, "0.#")} nm / {F(e.Volts, "0.##")} V; {F(e.Milliwatts, "F2")} mW dynamic at {N(e.PerSecond)} inferences/s (estimated).");
        L();
        L("| unit | operations | energy (nJ) | share |\n|---|---:|---:|---:|");
        foreach (var u in e.Units) L($"| {u.Unit} | {N(u.Operations)} | {F(u.Picojoules / 1000, "F2")} | {F(100 * u.Share, "F0")} % |");
        L();
        L($"![energy per unit]({EnergyPng})");
        L();
        L("## 3. Resources and area");
        L();
        var a = r.Area.Modelled;
        L($"Modelled: {N(a.Multipliers)} multipliers, {N(a.MemoryBits)} memory bits, **{F(a.AreaMm2, "F3")} mm2** at {F(a.NodeNm, "0")} nm. Basis: {a.Basis}.");
        L();
        if (r.Area.Synth is { } s)
        {
            L($"Synthesis ({s.Target}, top {s.Top}, yosys {s.ToolVersion}, {(s.Cached ? "cached result" : $"{F(s.Seconds, "F0")} s")}). Basis: {s.Basis}.");
            L();
            if (s.Xcup is { } x)
            {
                L("| resource | used | ZCU102 | share |\n|---|---:|---:|---:|");
                L($"| LUT (logic + memory) | {N(x.Luts)} | {N(x.ZcuLuts)} | {F(100.0 * x.Luts / x.ZcuLuts, "F1")} % |");
                L($"| FF | {N(x.Ffs)} | {N(x.ZcuFfs)} | {F(100.0 * x.Ffs / x.ZcuFfs, "F1")} % |");
                L($"| DSP48E2 | {N(x.Dsps)} | {N(x.ZcuDsps)} | {F(100.0 * x.Dsps / x.ZcuDsps, "F1")} % |");
                L($"| BRAM36 | {F(x.Bram36, "0.#")} | {N(x.ZcuBram36)} | {F(100.0 * x.Bram36 / x.ZcuBram36, "F1")} % |");
                L();
                L($"{(x.FitsZcu102 ? "Fits" : "Does NOT fit")} the ZCU102.");
            }
            if (s.Generic is { } g)
            {
                L("| part | count | area at 22 nm (mm2, estimated) |\n|---|---:|---:|");
                L($"| logic gates | {N(g.LogicGates)} | |");
                L($"| flip-flops | {N(g.Flops)} | |");
                L($"| logic + flip-flops | | {F(g.LogicMm2, "F4")} |");
                L($"| memory bits | {N(g.MemoryBits)} | {F(g.MemoryMm2, "F4")} |");
                L($"| total | | **{F(g.TotalMm2, "F3")}** (band {F(g.LowMm2, "F3")}..{F(g.HighMm2, "F3")}) |");
                foreach (var chip in MarsPeers.All.Where(p => p.AreaMm2 is not null))
                {
                    double silicon = chip.AreaMm2!.Value;
                    L();
                    L($"Against the silicon, {chip.Name}, {F(silicon, "0.000")} mm2 ({chip.Basis}): **{F(g.TotalMm2 / silicon, "0.00")}x** (band {F(g.LowMm2 / silicon, "0.00")}x..{F(g.HighMm2 / silicon, "0.00")}x).");
                }
            }
        }
        else L("No synthesis was run (`--synth none`); `--synth generic` or `--synth xcup` adds yosys's counts (slow for a large model; cached).");
        L();
        var g2 = r.Engine;
        L("## 4. The integer engine on this CPU");
        L();
        L($"Latency basis: {g2.Basis} ({g2.Path}). Energy basis: {g2.EnergyBasis}.");
        L();
        L("| | latency (us) | inferences/s | energy per inference | basis |\n|---|---:|---:|---:|---|");
        L($"| integer engine, this CPU | {F(g2.LatencyUs, "F1")} | {N(g2.PerSecond)} | {F(g2.Microjoules, "N1")} uJ | latency measured, energy estimated ({F(g2.CpuWatts, "0.#")} W assumed) |");
        L($"| accelerator, {F(c.ClockMhz, "0.###")} MHz | {F(c.LatencyUs, "F2")} | {N(c.PerSecond)} | {F(e.Nanojoules / 1000, "F3")} uJ | cycles measured (cycle model = RTL), energy estimated |");
        L($"| engine / accelerator | {F(g2.LatencyRatio, "N1")}x | | {F(g2.EnergyRatio, "N0")}x | |");
        L();
        if (r.MarsPeers is { } peers)
        {
            L("## 5. The public MARS designs");
            L();
            L("Their figures as their authors state them (each row's basis); ratios are theirs / ours (ours: cycles measured, power and area estimated).");
            L();
            L("| design | cycles/frame | clock (MHz) | latency (us) | LUT | DSP | BRAM | area (mm2) | power (mW) | cycles x | latency x | power x | area x | basis |");
            L("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
            L($"| this design | {N(c.Total)} | {F(c.ClockMhz, "0.###")} | {F(c.LatencyUs, "F2")} | {(r.Area.Synth?.Xcup is { } ox ? N(ox.Luts) + " (xcup)" : "-")} | {(r.Area.Synth?.Xcup is { } od ? N(od.Dsps) : "-")} | - | {F(a.AreaMm2, "F3")} | {F(e.Milliwatts, "F2")} | 1.00x | 1.00x | 1.00x | 1.00x | cycles measured (cycle model = RTL); area, power estimated |");
            foreach (var p in peers)
                L($"| {p.Name} | {O(p.Cycles, "N0")} | {O(p.ClockMhz, "0.###")} | {O(p.LatencyUs, "F2")} | {O(p.Luts, "N0")} | {O(p.Dsps, "N0")} | {O(p.Bram, "N0")} | {O(p.AreaMm2, "F3")} | {O(p.Milliwatts, "F2")} | {X(p.CyclesRatio)} | {X(p.LatencyRatio)} | {X(p.PowerRatio)} | {X(p.AreaRatio)} | {p.Basis} |");
            L();
            L("The chip's power is its total (clock tree, control, leakage included); ours is the datapath's dynamic estimate. The ECP5 LUTs and yosys's UltraScale+ LUTs are different fabrics.");
            L();
        }
        var b = r.Baselines;
        L($"## {(r.MarsPeers is null ? 5 : 6)}. eMamba vs CNN vs ViT");
        L();
        L($"Basis: {b.Basis}. Ratios are baseline / eMamba (throughput: eMamba / baseline), so above 1 favours eMamba.");
        L();
        L("| design | MACs | multipliers | cycles | latency (us) | energy (nJ) | power (mW) | area (mm2) | latency x | throughput x | energy x | area x | power x |");
        L("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var d in b.Rows)
            L($"| {d.Name} | {N(d.Macs)} | {N(d.Multipliers)} | {N(d.Cycles)} | {F(d.LatencyUs, "F2")} | {F(d.Nanojoules, "F1")} | {F(d.Milliwatts, "F2")} | {F(d.AreaMm2, "F3")} | {X(d.LatencyRatio)} | {X(d.ThroughputRatio)} | {X(d.EnergyRatio)} | {X(d.AreaRatio)} | {X(d.PowerRatio)} |");
        L();
        L("The paper's ratios (measured on its GF 22 nm flow) beside the range of ours over the four baselines:");
        L();
        L("| figure | paper | ours (min..max over the baselines) |\n|---|---:|---:|");
        var others = b.Rows.Skip(1).ToList();
        foreach (var p in b.Paper)
        {
            Func<HwReport.BaselineRow, double> pick = p.Figure switch
            {
                "latency" => d => d.LatencyRatio, "throughput" => d => d.ThroughputRatio, "area" => d => d.AreaRatio,
                "power" => d => d.PowerRatio, _ => d => d.EnergyRatio,
            };
            string paper = p.Low == p.High ? F(p.Low, "0.##") + "x" : $"{F(p.Low, "0.##")}-{F(p.High, "0.##")}x";
            L(others.Count == 0 ? $"| {p.Figure} | {paper} | - |" : $"| {p.Figure} | {paper} | {X(others.Min(pick))}..{X(others.Max(pick))} |");
        }
        L();
        L($"![eMamba vs baselines]({BaselinesPng})");
        return sb.ToString();
    }
}
