using EMamba.Core;
using EMamba.Core.Integer;
using EMamba.Hardware.Stages;
using EMamba.Hardware.Sweep;

namespace EMamba.Hardware.Tests;

/// <summary><c>emamba hw sweep</c>: the grid file, the Pareto fronts, and a resume that recomputes only the
/// points a killed run did not finish.</summary>
public sealed class SweepTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), "emamba-hw-sweep-" + Guid.NewGuid().ToString("N"));

    public SweepTests() => Directory.CreateDirectory(dir);

    public void Dispose() => Directory.Delete(dir, recursive: true);

    /// <param name="narrow">the 8-bit model, whose range norms' reciprocal ROMs have 255 entries (the 16-bit
    /// residual stream's have 65,535, which gate-level synthesis spends minutes on)</param>
    private string Model(bool narrow = false)
    {
        string path = Path.Combine(dir, "tiny.q.safetensors");
        QuantFile.Write(path, narrow ? Tiny.ModelTwo : Tiny.ModelOne, (narrow ? Tiny.Narrow : new Precision()).ToJson(), "{}", "{}");
        return path;
    }

    private string Grid(string json)
    {
        string path = Path.Combine(dir, "grid.json");
        File.WriteAllText(path, json);
        return path;
    }

    /// <summary>Exp units equal to the PE count are the default hardware: one point, not two; more than the PEs is refused.</summary>
    [Fact]
    public void ExpUnitsEqualToThePesAreTheDefaultPoint()
    {
        var (configs, refused) = SweepGrid.Parse("""{ "exp_units": [0, 8, 2, 9] }""", "g.json").Expand(new AcceleratorConfig());
        Assert.Equal([0, 2], configs.Select(c => c.ExpUnits));
        Assert.Equal(1, refused);
    }

    [Fact]
    public void TheGridIsEveryCombinationOnTheBaseConfigAndDropsTheRefusedOnes()
    {
        var g = SweepGrid.Parse("""{ "linear_lanes": [2, 64], "linear_rows": [4, 32], "ssm_lanes": 3 }""", "g.json");
        var (configs, refused) = g.Expand(new AcceleratorConfig { StateLanes = 2 });
        // 64 x 32 = 2,048 MACs is over the 1,024 limit: one of the four combinations.
        Assert.Equal(1, refused);
        Assert.Equal(3, configs.Count);
        Assert.All(configs, c => Assert.Equal((3, 2), (c.SsmLanes, c.StateLanes)));
        Assert.Contains(configs, c => (c.LinearLanes, c.LinearRows) == (64, 4));
        Assert.Equal(72, SweepGrid.Default.Expand(new AcceleratorConfig()).Configs.Count);
    }

    [Fact]
    public void BlockSharingIsAnAxisOfNames()
    {
        var (configs, _) = SweepGrid.Parse("""{ "ssm_lanes": [2, 4], "blocks": ["unrolled", "shared"] }""", "g.json").Expand(new AcceleratorConfig());
        Assert.Equal(4, configs.Count);
        Assert.Equal(2, configs.Count(c => c.Blocks == BlockMode.Shared));
    }

    [Fact]
    public void TheReciprocalSourceIsAnAxisOfNames()
    {
        var (configs, _) = SweepGrid.Parse("""{ "vector_lanes": [1, 4], "norm_reciprocal": ["rom", "divider"] }""", "g.json").Expand(new AcceleratorConfig());
        Assert.Equal(4, configs.Count);
        Assert.Equal(2, configs.Count(c => c.NormReciprocal == NormReciprocal.Divider));
    }

    [Theory]
    [InlineData("""{ "linear_lanes": [2, "x"] }""", "is not an integer")]
    [InlineData("""{ "lanes": [2] }""", "not a sweepable key")]
    [InlineData("""{ "norm_reciprocal": ["rom", "lut"] }""", "is not \"rom\" or \"divider\"")]
    [InlineData("""{ "norm_reciprocal": [1] }""", "is not \"rom\" or \"divider\"")]
    [InlineData("""{ "blocks": ["unrolled", "folded"] }""", "is not \"unrolled\" or \"shared\"")]
    [InlineData("""{ "linear_lanes": [] }""", "give 1..64 values")]
    [InlineData("""{ "linear_lanes": [2, 2] }""", "repeated values")]
    [InlineData("""{ }""", "no key to sweep")]
    [InlineData("""[1, 2]""", "one JSON object")]
    [InlineData("""{ "linear_lanes": [1,2,3,4,5,6,7,8,9,10], "linear_rows": [1,2,3,4,5,6,7,8,9,10], "ssm_lanes": [1,2,3,4,5,6,7,8,9,10], "state_lanes": [1,2,3,4,5] }""", "at most 4,096")]
    [InlineData("""{ "linear_lanes": [2 """, "g.json")]
    public void ABadGridNamesItsFileAndTheProblem(string json, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => SweepGrid.Parse(json, "g.json"));
        Assert.Contains("g.json", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void TheFrontKeepsExactlyTheNonDominatedPointsAndTies()
    {
        var pts = new (double A, double B)[] { (1, 5), (2, 3), (3, 3), (4, 1), (2, 3), (5, 5), (0.5, 9) };
        var front = ParetoFront.Of(pts, p => p.A, p => p.B);
        Assert.Equal([true, true, false, true, true, false, true], front);
    }

    [Fact]
    public void ASweepScoresEveryPointWithTheCycleModelAndResumesWhatAKillLeftUndone()
    {
        string model = Model(), grid = Grid("""{ "linear_lanes": [1, 2, 4], "ssm_lanes": [1, 2] }"""), outDir = Path.Combine(dir, "sweep");
        var first = HwSweepStage.Run(new HwSweepStage.Request(model, null, grid, AreaSource.Modelled, outDir));
        Assert.Equal(6, first.Points.Count);
        Assert.Equal(0, first.Resumed);
        foreach (var p in first.Points)
        {
            Assert.Equal(CycleModel.Of(Tiny.ModelOne, p.Config).Total, p.Cycles);
            Assert.True(p.AreaMm2 > 0 && p.Nanojoules > 0);
        }
        // More lanes never cost more cycles here, and the fastest point is on the latency-area front.
        int fastest = Enumerable.Range(0, 6).MinBy(i => first.Points[i].Cycles);
        Assert.True(first.LatencyArea[fastest]);

        // A kill mid-write leaves a cut line: the resumed run redoes that point and the ones after it only.
        string file = Path.Combine(outDir, HwSweepStage.PointsFile);
        var lines = File.ReadAllLines(file);
        Assert.Equal(6, lines.Length);
        File.WriteAllText(file, string.Join('\n', lines.Take(3)) + "\n" + lines[3][..(lines[3].Length / 2)]);
        var second = HwSweepStage.Run(new HwSweepStage.Request(model, null, grid, AreaSource.Modelled, outDir));
        Assert.Equal(3, second.Resumed);
        Assert.Equal(first.Points, second.Points, (a, b) => a.Key == b.Key && a.Cycles == b.Cycles && a.AreaMm2 == b.AreaMm2 && a.Nanojoules == b.Nanojoules);
        var third = HwSweepStage.Run(new HwSweepStage.Request(model, null, grid, AreaSource.Modelled, outDir));
        Assert.Equal(6, third.Resumed);
    }

    [Fact]
    public void AGridWhoseEveryCombinationIsRefusedSaysSo()
    {
        string grid = Grid("""{ "linear_lanes": [256], "linear_rows": [256] }""");
        var e = Assert.Throws<EMambaException>(() => HwSweepStage.Run(new HwSweepStage.Request(Model(), null, grid, AreaSource.Modelled, Path.Combine(dir, "s"))));
        Assert.Contains("every combination is refused", e.Message);
    }

    [YosysFact]
    public void ASynthesizedSweepPricesTheGatesOfEachPoint()
    {
        string grid = Grid("""{ "linear_lanes": [1, 2], "linear_rows": [1], "vector_lanes": [1], "ssm_lanes": [1], "state_lanes": [1] }""");
        var res = HwSweepStage.Run(new HwSweepStage.Request(Model(narrow: true), null, grid, AreaSource.Synthesized, Path.Combine(dir, "s"), Cache: Tiny.Cache));
        Assert.All(res.Points, p => Assert.Equal(AreaSource.Synthesized, p.Source));
        Assert.All(res.Points, p => Assert.True(p.Gates > 0 && p.Flops > 0 && p.AreaMm2 > 0));
        // Twice the linear lanes is more gates.
        Assert.True(res.Points[1].Gates > res.Points[0].Gates);
    }
}
