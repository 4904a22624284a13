using EMamba.Core;
using EMamba.Core.Approx;

namespace EMamba.Core.Tests;

/// <summary>A huge string in a config is quoted clipped ("... (N chars)"), never echoed in full.</summary>
public sealed class HugeValueMessageTests
{
    private const int Huge = 5_000_000;
    private static readonly string Big = new('x', Huge);

    [Theory]
    [InlineData("arch")]
    [InlineData("norm")]
    [InlineData("task")]
    [InlineData("dt_rank")]
    public void AHugeModelValueIsClipped(string key)
    {
        var e = Assert.Throws<ConfigException>(() => RunConfig.Parse($$"""{ "model": { "{{key}}": "{{Big}}" } }""", "big.json"));
        Assert.Contains($"{key} '{new string('x', Shown.MaxValueChars)}... ({Huge} chars)'", e.Message);
        Assert.True(e.Message.Length < 1000, $"message has {e.Message.Length} chars");
    }

    [Fact]
    public void AHugeUnknownKeyIsClipped()
    {
        var e = Assert.Throws<ConfigException>(() => RunConfig.Parse($$"""{ "model": { "{{Big}}": 1 } }""", "big.json"));
        Assert.Contains($"The JSON property '{new string('x', Shown.MaxValueChars)}... ({Huge} chars)'", e.Message);
        Assert.True(e.Message.Length < 1000, $"message has {e.Message.Length} chars");
    }

    [Fact]
    public void AHugeApproxFormatIsClipped()
    {
        var e = Assert.Throws<ConfigException>(() => ApproxFile.Parse($$"""{ "format": "{{Big}}", "tables": {} }""", "approx.json"));
        Assert.Contains($"... ({Huge} chars)", e.Message);
        Assert.True(e.Message.Length < 1000, $"message has {e.Message.Length} chars");
    }

    [Fact]
    public void ShortValuesAreQuotedWhole()
    {
        Assert.Equal("abc", Shown.Value("abc"));
        Assert.Equal(new string('y', 80), Shown.Value(new string('y', 80)));
        Assert.Equal(new string('y', 80) + "... (81 chars)", Shown.Value(new string('y', 81)));
    }
}
