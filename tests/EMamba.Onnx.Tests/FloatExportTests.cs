using EMamba.Core;
using EMamba.Data.Checkpoints;
using EMamba.Engine;
using EMamba.Engine.Quantize;
using EMamba.Onnx.Stages;

namespace EMamba.Onnx.Tests;

/// <summary>Export round trips: a tiny generated float checkpoint, exported to a file, run in ONNX Runtime,
/// against the product's own float forward (<see cref="FloatModel"/>, double) on the same raw inputs.
/// Tolerance: every output within 1e-4 + 1e-4 x the sample's largest |output| (float32 against double,
/// through two blocks, 16 tokens and the PWL kinks; a wrong op, order or index is off by far more).</summary>
public sealed class FloatExportTests
{
    public static TheoryData<TaskKind, bool, int> Cases => new()
    {
        { TaskKind.Mars, true, 2 }, { TaskKind.Fmnist, true, 2 }, { TaskKind.Cifar10, false, 1 }, { TaskKind.Mars, false, 3 },
    };

    [Theory, MemberData(nameof(Cases))]
    public void OnnxRuntimeGivesTheFloatModelsOutputs(TaskKind task, bool convSilu, int layers)
    {
        using var tiny = new Tiny();
        var cfg = Tiny.Config(task, convSilu, layers);
        string ck = tiny.Checkpoint(cfg);
        string onnx = tiny.File("m.onnx");
        var res = ExportStage.Run(new ExportStage.Request(ck, null, onnx));
        Assert.Equal(ExportKind.Float, res.Kind);
        Assert.True(new FileInfo(onnx).Length == res.Bytes);

        var fck = FloatCheckpoint.Read(ck);
        var fm = new FloatModel(fck, null);
        const int batch = 5;
        int size = cfg.InChannels * cfg.Height * cfg.Width;
        var rng = new Random(11);
        var raw = new float[batch * size];
        for (int i = 0; i < raw.Length; i++)
            raw[i] = task == TaskKind.Mars ? (float)(0.5 + 0.4 * (rng.NextDouble() * 2 - 1)) : rng.Next(256);
        using var ort = new OrtSession(onnx, 1);
        var got = ort.Run(raw, batch);
        Assert.Equal(batch * cfg.NumOutputs, got.Length);
        double worst = 0;
        for (int s = 0; s < batch; s++)
        {
            var x = new double[size];
            for (int c = 0; c < cfg.InChannels; c++)
                for (int k = 0; k < cfg.Height * cfg.Width; k++)
                {
                    double v = raw[s * size + c * cfg.Height * cfg.Width + k];
                    if (task != TaskKind.Mars) v /= 255;
                    x[c * cfg.Height * cfg.Width + k] = (v - fck.Normalizer.Mean[c]) / fck.Normalizer.Std[c];
                }
            var want = fm.Run(x);
            double scale = want.Max(Math.Abs);
            Assert.True(scale > 1e-3, "the tiny model's outputs are not all near zero (the comparison means something)");
            for (int j = 0; j < want.Length; j++)
            {
                double err = Math.Abs(got[s * cfg.NumOutputs + j] - want[j]);
                worst = Math.Max(worst, err / (1 + scale));
                Assert.True(err <= 1e-4 + 1e-4 * scale, $"sample {s} output {j}: ONNX Runtime {got[s * cfg.NumOutputs + j]}, float model {want[j]}");
            }
        }
    }

    [Fact]
    public void TheGraphAlsoRunsAtBatchOneWithTheSameOutputs()
    {
        using var tiny = new Tiny();
        var cfg = Tiny.Config(TaskKind.Fmnist);
        string onnx = tiny.File("m.onnx");
        ExportStage.Run(new ExportStage.Request(tiny.Checkpoint(cfg), null, onnx));
        int size = 28 * 28;
        var rng = new Random(5);
        var raw = Enumerable.Range(0, 3 * size).Select(_ => (float)rng.Next(256)).ToArray();
        using var ort = new OrtSession(onnx, 1);
        var all = ort.Run(raw, 3);
        for (int s = 0; s < 3; s++)
        {
            var one = ort.Run(raw[(s * size)..((s + 1) * size)], 1);
            for (int j = 0; j < one.Length; j++) Assert.Equal(all[s * 10 + j], one[j], 5);
        }
    }
}
