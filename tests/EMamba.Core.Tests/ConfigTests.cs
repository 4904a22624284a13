using EMamba.Core;

namespace EMamba.Core.Tests;

public sealed class ConfigTests
{
    [Fact]
    public void DefaultsAndPresetsAreValidAndRoundTrip()
    {
        new RunConfig().Validate("defaults");
        foreach (var (name, cfg) in Presets.All)
        {
            cfg.Validate(name);
            Assert.Equal(cfg, RunConfig.Parse(cfg.ToJson(), name));
        }
    }

    [Fact]
    public void ShippedConfigFilesEqualThePresets()
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "../../../../../configs");
        foreach (var (name, cfg) in Presets.All)
            Assert.Equal(cfg, RunConfig.Load(Path.Combine(dir, name + ".json")));
    }

    [Fact]
    public void UnknownKeyIsAnErrorNamingIt()
    {
        var e = Assert.Throws<ConfigException>(() => RunConfig.Parse("""{ "model": { "d_modle": 3 } }""", "c.json"));
        Assert.Contains("d_modle", e.Message);
        Assert.Contains("c.json", e.Message);
    }

    [Fact]
    public void EveryProblemIsListed()
    {
        var e = Assert.Throws<ConfigException>(() => RunConfig.Parse(
            """{ "model": { "d_model": 0, "norm": "batch", "patch": 5, "dt_rank": "x" }, "train": { "lr": -1, "epochs": 0 } }""", "c.json"));
        Assert.Equal(6, e.Problems.Count);
        Assert.Contains(e.Problems, p => p.Contains("model.norm 'batch'"));
        Assert.Contains(e.Problems, p => p.Contains("model.patch 5 must divide"));
        Assert.Contains(e.Problems, p => p.Contains("train.lr"));
        Assert.Equal(ExitCodes.BadConfig, e.ExitCode);
    }

    [Fact]
    public void MalformedJsonAndMissingFileAreConfigErrors()
    {
        Assert.Throws<ConfigException>(() => RunConfig.Parse("{ \"model\": ", "c.json"));
        Assert.Throws<ConfigException>(() => RunConfig.Parse("{ \"model\": { \"d_model\": \"big\" } }", "c.json"));
        Assert.Equal(ExitCodes.BadConfig, Assert.Throws<EMambaException>(() => RunConfig.Load("/nonexistent/c.json")).ExitCode);
    }

    [Theory]
    [InlineData(20, 2)]
    [InlineData(32, 2)]
    [InlineData(64, 4)]
    [InlineData(16, 1)]
    [InlineData(17, 2)]
    public void AutoDtRankIsCeilDOver16(int d, int rank) =>
        Assert.Equal(rank, new ModelConfig { DModel = d }.DtRankValue);

    [Fact]
    public void AtomicWriteLeavesNothingWhenTheWriterFails()
    {
        string dir = Directory.CreateTempSubdirectory().FullName, p = Path.Combine(dir, "out.bin");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(p, s => { s.WriteByte(1); throw new InvalidOperationException(); }));
        Assert.Empty(Directory.GetFiles(dir));
        AtomicFile.WriteAllText(p, "ok");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(p, s => throw new InvalidOperationException()));
        Assert.Equal("ok", File.ReadAllText(p));
        Assert.Single(Directory.GetFiles(dir));
    }
}
