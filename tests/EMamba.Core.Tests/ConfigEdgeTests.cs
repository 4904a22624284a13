using EMamba.Core;

namespace EMamba.Core.Tests;

/// <summary>Config inputs a user can plausibly write that once slipped through or crashed.</summary>
public sealed class ConfigEdgeTests
{
    [Theory]
    [InlineData("""{ "model": null }""", "'model' must be an object")]
    [InlineData("""{ "train": null }""", "'train' must be an object")]
    [InlineData("""{ "model": { "d_model": 8, "d_model": 16 } }""", "d_model")]
    [InlineData("""{ "model": { "d_state": "many" } }""", "model.d_state")]
    [InlineData("""{ "model": { "dt_rank": " 3" } }""", "dt_rank")]
    [InlineData("""{ "model": { "dt_rank": 0 } }""", "dt_rank")]
    public void IsAConfigErrorNamingTheKey(string json, string fragment)
    {
        var e = Assert.Throws<ConfigException>(() => RunConfig.Parse(json, "c.json"));
        Assert.Contains(fragment, e.Message);
    }

    [Fact]
    public void DtRankMayBeWrittenAsANumber()
    {
        var cfg = RunConfig.Parse("""{ "model": { "dt_rank": 3 } }""", "c.json");
        Assert.Equal(3, cfg.Model.DtRankValue);
        Assert.Equal(cfg, RunConfig.Parse(cfg.ToJson(), "round trip"));
    }
}
