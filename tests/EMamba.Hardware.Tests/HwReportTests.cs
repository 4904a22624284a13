using EMamba.Core;
using EMamba.Core.Integer;
using EMamba.Engine;
using EMamba.Engine.Quantize;
using EMamba.Hardware.Cost;
using EMamba.Hardware.Report;
using EMamba.Hardware.Stages;
using EMamba.Hardware.Synthesis;
using EMamba.Hardware.Tests.Synthesis;

namespace EMamba.Hardware.Tests;

/// <summary>The hardware report's record and Markdown (docs/cost.md, "Hardware report"), with synthesis records parsed from
/// the stored yosys outputs (whole-design synthesis is too slow for a test).</summary>
public sealed class HwReportTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("emamba-hw-report-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private HwReport Build(IntModel m, HwSynthStage.Result? synth)
    {
        string q = Path.Combine(dir, "m.q.safetensors");
        QuantFile.Write(q, m, new Precision().ToJson(), "{}", "{}");
        var c = new AcceleratorConfig();
        var engine = new EngineBench.Row("integer engine, fast path", 1, 1, 10, 1000, 1000);   // 1 ms a frame
        return HwReportBuilder.Build(m, c, RtlGenerator.Generate(m, c),
            new HwReportBuilder.Inputs(q, "emamba hw report", "test", EnergyTable.Gf22, engine, "0.00", 10, synth, []));
    }

    private static HwSynthStage.Result Synth(SynthTarget t, YosysStat s) => new(new AcceleratorConfig(), CycleModel.Of(Tiny.ModelOne, new AcceleratorConfig()),
        new SynthResult(t, "emamba_top", "0.23", s, t == SynthTarget.Xcup ? XcupUsage.Of(s) : null, null,
            t == SynthTarget.Generic ? GenericUsage.Of(s, AsicAreaTable.Node22) : null, "/nowhere", Cached: true), 0);

    [Fact]
    public void XcupCountsAndTheirCapacityReachTheRecordAndTheMarkdown()
    {
        var stat = SynthFixtures.Stat("xcup-mac.stat.json");
        var x = XcupUsage.Of(stat);
        var r = Build(Tiny.ModelOne, Synth(SynthTarget.Xcup, stat));
        Assert.Equal(x.AllLuts, r.Area.Synth!.Xcup!.Luts);
        Assert.Equal(x.Dsps, r.Area.Synth.Xcup.Dsps);
        Assert.Null(r.Area.Synth.Generic);
        Assert.Equal("0.23", r.Area.Synth.ToolVersion);
        Assert.StartsWith("measured by yosys 0.23", r.Area.Synth.Basis);
        string md = HwReportMarkdown.Build(r);
        Assert.Contains($"| DSP48E2 | {x.Dsps:N0} | 2,520 |", md);
        Assert.Equal(r.ToJson(), HwReport.FromJson(r.ToJson(), "r").ToJson());
    }

    [Fact]
    public void GenericCellsCarryTheAreaEstimateAndItsBand()
    {
        var stat = SynthFixtures.Stat("generic-macmem.stat.json");
        var g = GenericUsage.Of(stat, AsicAreaTable.Node22);
        var r = Build(Tiny.ModelOne, Synth(SynthTarget.Generic, stat));
        Assert.Equal(g.LogicGates, r.Area.Synth!.Generic!.LogicGates);
        Assert.Equal(g.Area.TotalMm2, r.Area.Synth.Generic.TotalMm2);
        Assert.True(r.Area.Synth.Generic.LowMm2 < r.Area.Synth.Generic.TotalMm2 && r.Area.Synth.Generic.TotalMm2 < r.Area.Synth.Generic.HighMm2);
        Assert.Contains("area estimated (model, band about 2x", r.Area.Synth.Basis);
    }

    [Fact]
    public void TheEngineIsSetBesideTheAcceleratorAndMarsPeersOnlyForMars()
    {
        var r = Build(Tiny.ModelOne, null);
        var c = new AcceleratorConfig();
        double accUs = CycleModel.Of(Tiny.ModelOne, c).Microseconds(c);
        Assert.Equal(1000 / accUs, r.Engine.LatencyRatio, 9);
        Assert.Equal(10 * 1000.0, r.Engine.Microjoules, 9);   // 10 W x 1000 us
        Assert.Equal(10_000 * 1000 / EnergyModel.Of(Tiny.ModelOne, c, EnergyTable.Gf22).Nanojoules, r.Engine.EnergyRatio, 6);
        var bluespec = r.MarsPeers![0];
        Assert.Equal(15_792.0 / r.Cycles.Total, bluespec.CyclesRatio!.Value, 9);
        Assert.Null(r.Area.Synth);

        var fmnist = new ModelConfig { Task = TaskKind.Fmnist, Head = Head.Classify, InChannels = 1, Height = 28, Width = 28, Patch = 7, DModel = 4, Expand = 2, DState = 2, NLayers = 1, NumOutputs = 10 };
        var f = Build(RandomModel.Quantized(fmnist, 3), null);
        Assert.Null(f.MarsPeers);
        Assert.Equal(["eMamba", "fmnist-cnn-s", "fmnist-cnn-m", "fmnist-vit-s", "fmnist-vit-m"], f.Baselines.Rows.Select(b => b.Name));
        Assert.Contains("## 5. eMamba vs CNN vs ViT", HwReportMarkdown.Build(f));
    }
}
