using EMamba.Core;
using EMamba.Core.Checkpoints;
using EMamba.Data.Checkpoints;
using EMamba.Engine.Quantize;
using EMamba.Engine.Stages;

namespace EMamba.Engine.Tests;

/// <summary>The trace: every tensor the reference computes, in pipeline order, inside its domain, with
/// the float twin beside it; and the golden hex encoding it is written in.</summary>
public sealed class TraceTests
{
    private static long[] Input(Core.Integer.IntModel m, int seed)
    {
        var rng = new Random(seed);
        var c = m.Config;
        return [.. Enumerable.Range(0, c.InChannels * c.Height * c.Width).Select(_ => m.Input.Clamp(rng.Next(-60, 60)))];
    }

    [Fact]
    public void TraceIsThePipelineInOrderAndEndsWithTheOutputs()
    {
        var m = RandomModel.Quantized(ReferenceTests.Tiny, 4);
        var x = Input(m, 1);
        var tr = Trace.Of(m, x);
        Assert.Equal("input", tr[0].Name);
        Assert.Equal(x, tr[0].Codes);
        Assert.Equal("out", tr[^1].Name);
        Assert.Equal(Reference.Run(m, x), tr[^1].Codes);
        Assert.Equal("pooled", tr[^2].Name);
        var first = tr.Skip(1).TakeWhile(e => e.Token == 0).Select(e => e.Name).ToList();
        Assert.Equal(["x0", "blocks.0.n", "blocks.0.u0", "blocks.0.z", "blocks.0.uc", "blocks.0.u", "blocks.0.dt", "blocks.0.B", "blocks.0.C",
            "blocks.0.delta", "blocks.0.abar", "blocks.0.h", "blocks.0.y", "blocks.0.g", "blocks.0.o", "blocks.0.r"], first.Take(16));
        Assert.Equal(m.Tokens, tr.Count(e => e.Name == "blocks.1.h"));
        foreach (var e in tr)
        {
            Assert.Equal(e.Shape.Aggregate(1, (a, s) => a * s), e.Codes.Length);
            Assert.All(e.Codes, v => Assert.InRange(v, e.Domain.Min, e.Domain.Max));
            Assert.Null(e.Float);
        }
    }

    [Fact]
    public void TheFloatTwinSitsBesideEveryCommonTensorAndIsClose()
    {
        string path = Path.Combine(Path.GetTempPath(), $"emamba-trace-{Guid.NewGuid():N}.safetensors");
        try
        {
            RandomCheckpoint.Write(path, ReferenceTests.Tiny, 4);
            var fm = new FloatModel(FloatCheckpoint.Read(path), null);
            var m = RandomModel.Quantized(ReferenceTests.Tiny, 4);
            var tr = Trace.Of(m, Input(m, 2), fm);
            Assert.All(tr, e => Assert.NotNull(e.Float));
            // The first block's norm sees a near-identical input, so its error is a few output steps.
            var n = tr.First(e => e.Name == "blocks.0.n");
            Assert.True(n.MaxError() < 8 * Math.ScaleB(1, -n.Domain.Frac), $"blocks.0.n error {n.MaxError()}");
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData(0, 8, false, "00")]
    [InlineData(-1, 8, false, "ff")]
    [InlineData(-128, 8, false, "80")]
    [InlineData(127, 8, false, "7f")]
    [InlineData(-1, 6, false, "3f")]
    [InlineData(-2, 16, false, "fffe")]
    [InlineData(65535, 16, true, "ffff")]
    [InlineData(-5, 32, false, "fffffffb")]
    [InlineData(-5, 20, false, "ffffb")]
    public void HexIsTwosComplementAtTheDomainsWidth(long v, int bits, bool unsigned, string hex)
    {
        var d = new Core.Integer.Domain(0, bits, unsigned);
        Assert.Equal(hex, GoldenStage.Hex(v, d));
        Assert.Equal(v, GoldenStage.ParseHex(hex, d));
    }

    [Fact]
    public void ACodeOutsideItsDomainIsAnInternalError() =>
        Assert.Throws<InvalidOperationException>(() => GoldenStage.Hex(128, new Core.Integer.Domain(0, 8)));
}
