using EMamba.Core;
using EMamba.Core.Integer;
using EMamba.Engine.Quantize;

namespace EMamba.Engine.Tests;

/// <summary>The reference forward on tiny generated models: deterministic, close to the float model
/// it was quantized from, and its file round trip keeps every output code.</summary>
public class ReferenceTests
{
    internal static readonly ModelConfig Tiny = new()
    {
        Task = TaskKind.Mars, Head = Head.Regress, InChannels = 5, Height = 8, Width = 8, Patch = 4,
        DModel = 8, Expand = 2, DState = 4, NLayers = 2, NumOutputs = 57,
    };

    private static long[] Input(IntModel m, int seed)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, Tiny.InChannels * Tiny.Height * Tiny.Width).Select(_ => m.Input.Clamp(rng.Next(-60, 60)))];
    }

    [Fact]
    public void SameInputSameCodes()
    {
        var m = RandomModel.Quantized(Tiny, 1);
        var x = Input(m, 2);
        Assert.Equal(Reference.Run(m, x), Reference.Run(m, x));
        Assert.Equal(Reference.Run(m, x), Reference.Run(RandomModel.Quantized(Tiny, 1), x));
    }

    [Fact]
    public void QuantFileRoundTripKeepsEveryOutput()
    {
        var m = RandomModel.Quantized(Tiny, 3);
        string path = Path.Combine(Path.GetTempPath(), $"emamba-rt-{Guid.NewGuid():N}.q.safetensors");
        try
        {
            QuantFile.Write(path, m, new Precision().ToJson(), "{}", "{}");
            var back = QuantFile.Read(path);
            for (int s = 0; s < 4; s++) Assert.Equal(Reference.Run(m, Input(m, s)), Reference.Run(back, Input(m, s)));
        }
        finally { File.Delete(path); }
    }
}
