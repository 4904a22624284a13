using EMamba.Core;
using EMamba.Data;
using EMamba.Engine;
using EMamba.Engine.Quantize;
using Microsoft.ML.OnnxRuntime;

namespace EMamba.Onnx.Tests;

/// <summary>A QDQ graph cut at one of its boundaries (the tensor names of the engine's trace) against the engine's
/// trace: the input codes are the host's exactly (the same float32 normalisation, both round half to even), and
/// the patch embedding's x0 (exact integer sums in float32, ties rounded up by the offset) too.</summary>
public sealed class QdqTapTests
{
    [Theory, InlineData(TaskKind.Mars), InlineData(TaskKind.Fmnist)]
    public void InputCodesAndX0EqualTheEngines(TaskKind task)
    {
        using var tiny = new Tiny();
        var cfg = Tiny.Config(task);
        var m = RandomModel.QuantizedFrom(tiny.Checkpoint(cfg), 3);
        int size = cfg.InChannels * cfg.Height * cfg.Width;
        var rng = new Random(11);
        var raw = new float[size];
        for (int i = 0; i < raw.Length; i++) raw[i] = task == TaskKind.Mars ? (float)(0.5 + 0.4 * (rng.NextDouble() * 2 - 1)) : rng.Next(256);
        IDataset ds = task == TaskKind.Mars
            ? new FloatDataset { Count = 1, Channels = cfg.InChannels, Height = cfg.Height, Width = cfg.Width, Features = raw, Targets = new float[57], Dims = 57, Source = "t" }
            : new ImageDataset { Count = 1, Channels = 1, Height = 28, Width = 28, Pixels = [.. raw.Select(v => (byte)v)], Labels = [0], ClassNames = [.. Enumerable.Range(0, 10).Select(i => $"{i}")], Source = "t" };
        var codes = Samples.Codes(Samples.Normalised(ds, 0, Normalizer.Parse(m.Normalizer, cfg.InChannels)), m.Input);
        var trace = Trace.Of(m, codes);
        // "patches" is the graph's input codes in token order; the trace's input is (C, H, W), so compare through Reference.Patch.
        var want = new List<double>();
        var patch = new long[cfg.PatchDim];
        for (int t = 0; t < cfg.Tokens; t++) { Reference.Patch(cfg, codes, t, patch); want.AddRange(patch.Select(c => Samples.Real(c, m.Input))); }
        Assert.Equal(want, Cut(tiny, m, "patches", raw, cfg).Select(v => (double)v));
        var x0 = trace.Where(e => e.Name == "x0").SelectMany(e => e.Codes.Select(c => Samples.Real(c, e.Domain))).ToArray();
        Assert.Equal(x0, Cut(tiny, m, "x0", raw, cfg).Select(v => (double)v));
    }

    private static float[] Cut(Tiny tiny, Core.Integer.IntModel m, string tap, float[] raw, ModelConfig cfg)
    {
        string f = tiny.File(tap + ".onnx");
        File.WriteAllBytes(f, QdqExport.Build(m, "t", tap).Serialize());
        using var s = new InferenceSession(f);
        using var v = OrtValue.CreateTensorValueFromMemory(raw, [1, cfg.InChannels, cfg.Height, cfg.Width]);
        using var ro = new RunOptions();
        using var res = s.Run(ro, ["input"], [v], ["output"]);
        return res[0].GetTensorDataAsSpan<float>().ToArray();
    }
}
