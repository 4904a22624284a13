using EMamba.Core;

namespace EMamba.Hardware.Tests;

/// <summary>The accelerator config: defaults are valid, a file lists every problem, unknown keys are refused.</summary>
public class ConfigTests
{
    [Fact]
    public void DefaultsAreValidAndRoundTrip()
    {
        var c = new AcceleratorConfig().Validated();
        Assert.Equal(c, AcceleratorConfig.Parse(c.ToJson(), "defaults"));
        Assert.Equal(c, AcceleratorConfig.Parse("{}", "empty"));
    }

    [Fact]
    public void EveryProblemIsListed()
    {
        var e = Assert.Throws<ConfigException>(() => AcceleratorConfig.Parse("""{ "linear_lanes": 0, "clock_mhz": -5, "top_name": "9bad" }""", "acc.json"));
        Assert.Equal(3, e.Problems.Count);
        Assert.Contains(e.Problems, p => p.StartsWith("linear_lanes = 0", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.StartsWith("clock_mhz = -5", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.StartsWith("top_name = '9bad'", StringComparison.Ordinal));
        Assert.StartsWith("acc.json: invalid configuration", e.Message);
    }

    [Theory]
    [InlineData("""{ "lanes": 4 }""")]
    [InlineData("""{ "linear_lanes": "four" }""")]
    [InlineData("[1, 2]")]
    public void UnknownKeysAndWrongTypesAreRefused(string json) =>
        Assert.Throws<ConfigException>(() => AcceleratorConfig.Parse(json, "acc.json"));

    [Theory]
    [InlineData("em_top")]
    [InlineData("tb")]
    [InlineData("top-name")]
    public void TopNamesThatWouldCollideOrAreNotIdentifiersAreRefused(string name) =>
        Assert.Contains(new AcceleratorConfig { TopName = name }.Problems(), p => p.StartsWith("top_name", StringComparison.Ordinal));

    [Fact]
    public void TheCycleModelFollowsTheLanes()
    {
        var m = Tiny.ModelOne;
        long one = CycleModel.Of(m, new AcceleratorConfig { LinearLanes = 1 }).Total, four = CycleModel.Of(m, new AcceleratorConfig { LinearLanes = 4 }).Total;
        Assert.True(four < one);
        // The embed layer (80 inputs -> 4 outputs) alone saves 4 x (81 - 21) cycles per token.
        Assert.True(one - four >= 4 * 60 * m.Tokens);
    }
}
