using System.Text.Json.Nodes;
using EMamba.Core;
using EMamba.Core.Integer;
using EMamba.Engine;
using EMamba.Engine.Quantize;
using EMamba.Hardware;
using EMamba.Hardware.Cost;
using EMamba.Hardware.Report;

namespace EMamba.Cli.Tests;

/// <summary><c>emamba hw report</c> end to end on a tiny radar model (no synthesis, a few engine frames: seconds).</summary>
[Collection("cli")]
public sealed class HwReportCliTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("emamba-hw-report-").FullName;
    private readonly IntModel model;
    private string Q => Path.Combine(dir, "tiny.q.safetensors");

    internal static readonly ModelConfig Tiny = new()
    {
        Task = TaskKind.Mars, Head = Head.Regress, InChannels = 5, Height = 8, Width = 8, Patch = 4,
        DModel = 4, Expand = 2, DState = 2, NLayers = 1, NumOutputs = 57,
    };

    public HwReportCliTests()
    {
        model = RandomModel.Quantized(Tiny, 11);
        QuantFile.Write(Q, model, new Precision().ToJson(), "{}", "{}");
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string[] Args(string output, params string[] more) => ["hw", "report", "--model", Q, "--synth", "none", "--engine-frames", "3", "--out", output, .. more];

    [Fact]
    public void WritesEveryFileWithTheCycleModelsTotalAndReplacesOnlyAPreviousReport()
    {
        string output = Path.Combine(dir, "report");
        Assert.Equal((0, ""), CliRun.WithStderr(Args(output)));
        foreach (var f in new[] { "report.md", "report.json", HwReportMarkdown.EnergyPng, HwReportMarkdown.BaselinesPng })
            Assert.True(new FileInfo(Path.Combine(output, f)) is { Exists: true, Length: > 100 }, f);
        Assert.Equal([output], Directory.GetDirectories(dir));   // no temporary folder left behind

        var c = new AcceleratorConfig();
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "report.json")))!;
        Assert.Equal(CycleModel.Of(model, c).Total, json["cycles"]!["total"]!.GetValue<long>());
        Assert.Equal(EnergyModel.Of(model, c, EnergyTable.Gf22).Nanojoules, json["energy"]!["nanojoules"]!.GetValue<double>(), 9);
        Assert.Equal("tiny.q.safetensors", json["model"]!.GetValue<string>());
        Assert.Equal(3, json["engine"]!["frames"]!.GetValue<int>());
        Assert.Equal(5, json["baselines"]!["rows"]!.AsArray().Count);
        Assert.Equal(3, json["mars_peers"]!.AsArray().Count);
        Assert.Null(json["area"]!["synth"]);
        Assert.StartsWith("measured", json["cycles"]!["basis"]!.GetValue<string>());
        Assert.StartsWith("estimated (model, band", json["energy"]!["basis"]!.GetValue<string>());
        string md = File.ReadAllText(Path.Combine(output, "report.md"));
        Assert.Contains($"| cycles per inference | {CycleModel.Of(model, c).Total:N0} |", md);
        Assert.Contains("15,792", md);
        Assert.Contains("4.95-5.62x", md);

        Assert.Equal(0, CliRun.WithStderr(Args(output)).Code);   // a previous report is replaced whole
        string other = Path.Combine(dir, "other");
        Directory.CreateDirectory(other);
        File.WriteAllText(Path.Combine(other, "notes.txt"), "keep me");
        var (code, err) = CliRun.WithStderr(Args(other));
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("not a previous hw report", err);
        Assert.Equal(["notes.txt"], Directory.GetFiles(other).Select(Path.GetFileName));
    }

    [Fact]
    public void BadOptionsAndAMissingModelAreClearErrors()
    {
        string output = Path.Combine(dir, "never");
        var (code, err) = CliRun.WithStderr(["hw", "report", "--model", Q, "--synth", "vivado", "--out", output]);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--synth 'vivado' must be none, generic or xcup", err);
        (code, err) = CliRun.WithStderr(["hw", "report", "--model", Path.Combine(dir, "missing.q.safetensors"), "--out", output]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("model file not found", err);
        foreach (var bad in new[] { new[] { "--engine-frames", "0" }, ["--cpu-watts", "0"], ["--node", "1"] })
            Assert.Equal(ExitCodes.Usage, CliRun.WithStderr(Args(output, bad)).Code);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void TheRecordRoundTripsThroughJson()
    {
        var c = new AcceleratorConfig { LinearRows = 4 };
        var engine = EngineBench.Batch1(model, 2);
        var r = HwReportBuilder.Build(model, c, RtlGenerator.Generate(model, c),
            new HwReportBuilder.Inputs(Q, "emamba hw report", "test machine", EnergyTable.Gf22, engine, "0.00", 15, null, ["a.png"]));
        string json = r.ToJson();
        var back = HwReport.FromJson(json, "report.json");
        Assert.Equal(json, back.ToJson());
        Assert.Equal(c, back.Config);
        Assert.Equal(HwReportMarkdown.Build(r), HwReportMarkdown.Build(back));
        Assert.Equal(15 * engine.UsPerFrame, back.Engine.Microjoules, 9);
        Assert.Throws<EMambaException>(() => HwReport.FromJson("{\"format\": 3}", "bad.json"));
    }
}
