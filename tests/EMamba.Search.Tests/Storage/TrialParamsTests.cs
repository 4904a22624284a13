using CsCheck;
using EMamba.Search.Storage;

namespace EMamba.Search.Tests.Storage;

/// <summary>Parameters keep their order and their exact values through the stored JSON, and hold only numbers
/// and strings.</summary>
public sealed class TrialParamsTests
{
    private static readonly Gen<TrialParams> Params =
        Gen.Select(Gen.String[Gen.Char.AlphaNumeric, 1, 8], Gen.OneOf<object>(Gen.Double.Select(d => (object)d), Gen.Long.Select(l => (object)l), Gen.String.Select(s => (object)s)))
            .Array[0, 8]
            .Select(items => items.DistinctBy(i => i.Item1).Aggregate(TrialParams.Empty, (p, i) => i.Item2 switch
            {
                double d when double.IsFinite(d) => p.With(i.Item1, d),
                double => p.With(i.Item1, 0.0),
                long l => p.With(i.Item1, l),
                _ => p.With(i.Item1, (string)i.Item2),
            }));

    [Fact]
    public void TheStoredJsonGivesBackTheSameNamesInTheSameOrderAndTheSameValues() =>
        Params.Sample(p =>
        {
            var back = TrialParams.Parse(p.ToJson());
            Assert.Equal(p, back);
            Assert.Equal(p.Names, back.Names);
            foreach (var (name, value) in p)
                Assert.Equal(value.GetRawText(), back[name].GetRawText());
        });

    [Fact]
    public void NumbersAndStringsReadBackTyped()
    {
        var p = TrialParams.Empty.With("lr", 0.1 + 0.2).With("d", 16L).With("knots", "fitted \"q\"");
        Assert.Equal("""{"lr":0.30000000000000004,"d":16,"knots":"fitted \"q\""}""", p.ToJson());
        Assert.Equal(0.1 + 0.2, p.Number("lr"));
        Assert.Equal("fitted \"q\"", p.Text("knots"));
        Assert.Throws<InvalidOperationException>(() => p.Text("d"));
        Assert.Equal(TrialParams.Empty.With("k", "é\"A"), TrialParams.Parse("""{"k": "\u00e9\u0022\u0041"}"""));
        Assert.Contains("have: lr, d, knots", Assert.Throws<KeyNotFoundException>(() => p["x"]).Message);
    }

    [Theory]
    [InlineData("""{"a": {"b": 1}}""", "is a JSON Object")]
    [InlineData("""{"a": [1]}""", "is a JSON Array")]
    [InlineData("""{"a": null}""", "is a JSON Null")]
    [InlineData("""{"a": 1, "a": 2}""", "appears twice")]
    [InlineData("""[1, 2]""", "must be a JSON object")]
    [InlineData("""{"a": """, "not valid JSON")]
    public void AnythingButNumbersStringsAndBooleansIsRefused(string json, string problem) =>
        Assert.Contains(problem, Assert.Throws<ArgumentException>(() => TrialParams.Parse(json)).Message);

    [Fact]
    public void BooleansRoundTrip() =>
        Assert.Equal("""{"per_channel":true,"b":false}""", TrialParams.Parse("""{"per_channel": true, "b": false}""").ToJson());

    [Fact]
    public void NonFiniteNumbersAreRefused() =>
        Assert.Contains("must be finite", Assert.Throws<ArgumentException>(() => TrialParams.Empty.With("x", double.NaN)).Message);
}
