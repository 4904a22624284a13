using EMamba.Core;
using EMamba.Engine.Quantize;

namespace EMamba.Onnx.Tests;

/// <summary>The ONNX Runtime contenders of <c>emamba bench engine</c>: both graphs, batch 1 and batched, 1 and N threads.</summary>
public sealed class OrtBenchTests
{
    [Fact]
    public void EveryContenderIsTimed()
    {
        using var tiny = new Tiny();
        var cfg = Tiny.Config(TaskKind.Mars);
        string ck = tiny.Checkpoint(cfg);
        var rows = OrtBench.Run(ck, RandomModel.QuantizedFrom(ck, 1), frames: 2, batch: 3, threads: 2, tiny.Dir);
        Assert.Equal(8, rows.Count);
        Assert.Equal(4, rows.Count(r => r.Contender.StartsWith("ONNX Runtime FP32", StringComparison.Ordinal)));
        Assert.Equal(4, rows.Count(r => r.Contender.StartsWith("ONNX Runtime INT8 (QDQ)", StringComparison.Ordinal)));
        Assert.Contains(rows, r => r.Batch == 3 && r.Threads == 2);
        Assert.All(rows, r => Assert.True(r.FramesPerSecond > 0 && double.IsFinite(r.UsPerFrame)));
        Assert.All(rows, r => Assert.Contains("1.31.1", r.Contender));
    }
}
