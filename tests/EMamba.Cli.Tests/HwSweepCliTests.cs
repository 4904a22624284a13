using System.Text.Json.Nodes;
using EMamba.Core;
using EMamba.Core.Integer;
using EMamba.Engine.Quantize;
using EMamba.Hardware;

namespace EMamba.Cli.Tests;

/// <summary><c>emamba hw sweep</c> end to end on a tiny radar model with the modelled area (seconds): the files,
/// the cycle model's totals, a rerun that resumes every point, and bad flags.</summary>
[Collection("cli")]
public sealed class HwSweepCliTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("emamba-hw-sweep-").FullName;
    private readonly IntModel model;
    private string Q => Path.Combine(dir, "tiny.q.safetensors");

    public HwSweepCliTests()
    {
        model = RandomModel.Quantized(HwReportCliTests.Tiny, 11);   // the report tests' tiny radar model
        QuantFile.Write(Q, model, new Precision().ToJson(), "{}", "{}");
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void WritesTheTableFilesAndPlotsAndAResumeRecomputesNothing()
    {
        string grid = Path.Combine(dir, "grid.json"), output = Path.Combine(dir, "sweep");
        File.WriteAllText(grid, """{ "linear_lanes": [1, 2, 4], "state_lanes": [1, 2] }""");
        string[] args = ["hw", "sweep", "--model", Q, "--grid", grid, "--out", output];
        var (code, err) = CliRun.WithStderr(args);
        Assert.Equal((0, ""), (code, err));
        foreach (var f in new[] { "points.jsonl", "sweep.md", "sweep.json", "latency-area.png", "energy-area.png" })
            Assert.True(new FileInfo(Path.Combine(output, f)) is { Exists: true, Length: > 100 }, f);
        var points = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "sweep.json")))!["points"]!.AsArray();
        Assert.Equal(6, points.Count);
        foreach (var p in points)
        {
            var c = new AcceleratorConfig { LinearLanes = p!["config"]!["linear_lanes"]!.GetValue<int>(), StateLanes = p["config"]!["state_lanes"]!.GetValue<int>() };
            Assert.Equal(CycleModel.Of(model, c).Total, p["cycles"]!.GetValue<long>());
        }
        Assert.Contains(points, p => p!["latency_area_front"]!.GetValue<bool>());
        string md = File.ReadAllText(Path.Combine(output, "sweep.md"));
        Assert.Contains("Bluespec peer", md);
        Assert.Contains("| 4x8 v4 s4x2 |", md);

        // The rerun finds every point in points.jsonl and appends none.
        string before = File.ReadAllText(Path.Combine(output, "points.jsonl"));
        Assert.Equal(0, CliRun.WithStderr(args).Code);
        Assert.Equal(before, File.ReadAllText(Path.Combine(output, "points.jsonl")));
    }

    /// <summary>The blocks axis on a two-block model: both points scored, the shared one with fewer multipliers and
    /// its cycles the shared cycle model's, labelled in the table.</summary>
    [Fact]
    public void TheBlocksAxisScoresSharedAndUnrolledDesigns()
    {
        var two = RandomModel.Quantized(HwReportCliTests.Tiny with { NLayers = 2 }, 12);
        string q = Path.Combine(dir, "two.q.safetensors"), grid = Path.Combine(dir, "blocks.json"), output = Path.Combine(dir, "sweep-blocks");
        QuantFile.Write(q, two, new Precision().ToJson(), "{}", "{}");
        File.WriteAllText(grid, """{ "blocks": ["unrolled", "shared"] }""");
        Assert.Equal((0, ""), CliRun.WithStderr(["hw", "sweep", "--model", q, "--grid", grid, "--out", output]));
        var points = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "sweep.json")))!["points"]!.AsArray();
        Assert.Equal(2, points.Count);
        var shared = points.Single(p => p!["config"]!["blocks"]?.GetValue<string>() == "shared")!;
        var unrolled = points.Single(p => p!["config"]!["blocks"] == null)!;
        Assert.True(shared["multipliers"]!.GetValue<int>() < unrolled["multipliers"]!.GetValue<int>());
        Assert.Equal(CycleModel.Of(two, new AcceleratorConfig { Blocks = BlockMode.Shared }).Total, shared["cycles"]!.GetValue<long>());
        Assert.Contains(" shared |", File.ReadAllText(Path.Combine(output, "sweep.md")));
    }

    [Theory]
    [InlineData("--area", "gates", "must be modelled or synthesized")]
    [InlineData("--timeout", "0", "must be 1..1440")]
    [InlineData("--grid", "/nonexistent/grid.json", "grid.json")]
    public void BadFlagsAreUsageErrors(string flag, string value, string expected)
    {
        var (code, text) = CliRun.WithStderr(["hw", "sweep", "--model", Q, "--out", Path.Combine(dir, "s"), flag, value]);
        Assert.NotEqual(0, code);
        Assert.Contains(expected, text);
    }
}
