using System.Diagnostics;
using EMamba.Core.Integer;
using EMamba.Data.Checkpoints;
using EMamba.Engine;
using EMamba.Engine.Quantize;

namespace EMamba.Onnx;

/// <summary>The ONNX Runtime side of <c>emamba bench engine</c>: the same model as the integer engine's contenders
/// exported as a float32 graph (from its float checkpoint) and as a QDQ graph (from its quantized model), each timed
/// at batch 1 (frame after frame) and batched, on 1 thread and on <c>threads</c>, after a 0.3 s warm-up, on random
/// raw inputs (speed does not depend on them).</summary>
public static class OrtBench
{
    public static IReadOnlyList<EngineBench.Row> Run(string floatCheckpoint, IntModel quantized, int frames, int batch, int threads, string dir)
    {
        var rows = new List<EngineBench.Row>();
        var ck = FloatCheckpoint.Read(floatCheckpoint);
        string fp32 = Path.Combine(dir, "bench.onnx"), int8 = Path.Combine(dir, "bench.int8.onnx");
        File.WriteAllBytes(fp32, FloatExport.Build(new FloatModel(ck, null), ck.Normalizer, floatCheckpoint).Serialize());
        File.WriteAllBytes(int8, QdqExport.Build(quantized, "bench").Serialize());
        var c = quantized.Config;
        batch = BatchBudget.Samples(c, quantized.Blocks.Max(b => b.Exp.Knots.Length), batch);   // large models: a smaller batch, named in the row
        int size = c.InChannels * c.Height * c.Width;
        var rng = new Random(1);
        var x = new float[Math.Max(frames, batch) * size];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2);
        foreach (var (path, name) in new[] { (fp32, "ONNX Runtime FP32"), (int8, "ONNX Runtime INT8 (QDQ)") })
            foreach (int th in threads > 1 ? new[] { 1, threads } : [1])
            {
                using var s = new OrtSession(path, th);
                string label = $"{name} {Microsoft.ML.OnnxRuntime.OrtEnv.Instance().GetVersionString()}";
                var one = Enumerable.Range(0, frames).Select(i => x[(i * size)..((i + 1) * size)]).ToArray();
                var sw = Stopwatch.StartNew();
                for (int i = 0; i < 2 || sw.Elapsed.TotalSeconds < 0.3; i++) s.Run(one[i % frames], 1);
                sw.Restart();
                for (int i = 0; i < frames; i++) s.Run(one[i], 1);
                rows.Add(Row(label, 1, th, frames, sw.Elapsed.TotalSeconds));
                var xb = x[..(batch * size)];
                sw.Restart();
                for (int i = 0; i < 2 || sw.Elapsed.TotalSeconds < 0.3; i++) s.Run(xb, batch);
                sw.Restart();
                s.Run(xb, batch);
                rows.Add(Row(label, batch, th, batch, sw.Elapsed.TotalSeconds));
            }
        return rows;
    }

    private static EngineBench.Row Row(string name, int batch, int threads, int frames, double sec) =>
        new(name, batch, threads, frames, frames / sec, sec * 1e6 / frames);
}
