using EMamba.Core;
using EMamba.Data.Checkpoints;
using EMamba.Engine.Quantize;
using EMamba.Onnx.Stages;
using Microsoft.ML.OnnxRuntime;

namespace EMamba.Onnx.Tests;

/// <summary>A tiny language model exported for a fixed length, in ONNX Runtime, against L steps of the float
/// reference from a fresh state (<see cref="FloatModel.Step"/>): every logit within 1e-4 + 1e-4 x the largest.</summary>
public sealed class LmExportTests
{
    [Theory, InlineData(0), InlineData(6)]
    public void LogitsEqualTheFloatModelsSteps(int embedDim)
    {
        using var tiny = new Tiny();
        var cfg = new ModelConfig { Task = TaskKind.Wikitext2, Head = Head.Lm, Vocab = 40, EmbedDim = embedDim, DModel = 8, DState = 4, NLayers = 2, NumOutputs = 40 };
        string ck = tiny.Checkpoint(cfg, name: "lm.safetensors");
        const int L = 12, batch = 2;
        string onnx = tiny.File("lm.onnx");
        ExportStage.Run(new ExportStage.Request(ck, null, onnx, Tokens: L));
        var rng = new Random(4);
        var ids = Enumerable.Range(0, batch * L).Select(_ => (long)rng.Next(40)).ToArray();
        using var s = new InferenceSession(onnx);
        using var v = OrtValue.CreateTensorValueFromMemory(ids, [batch, L]);
        using var ro = new RunOptions();
        using var res = s.Run(ro, [FloatExport.Tokens], [v], [FloatExport.Logits]);
        var got = res[0].GetTensorDataAsSpan<float>().ToArray();
        Assert.Equal(batch * L * 40, got.Length);
        var fm = new FloatModel(FloatCheckpoint.Read(ck), null);
        for (int b = 0; b < batch; b++)
        {
            var st = new FloatModel.State(fm);
            for (int t = 0; t < L; t++)
            {
                var want = fm.Step(st, (int)ids[b * L + t]);
                double scale = want.Max(Math.Abs);
                for (int j = 0; j < 40; j++)
                    Assert.True(Math.Abs(got[(b * L + t) * 40 + j] - want[j]) <= 1e-4 + 1e-4 * scale, $"sequence {b} token {t} logit {j}: {got[(b * L + t) * 40 + j]} vs {want[j]}");
            }
        }
    }
}
