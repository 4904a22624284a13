using EMamba.Core;
using EMamba.Core.Approx;
using EMamba.Core.Checkpoints;
using EMamba.Data;
using EMamba.Data.Checkpoints;

namespace EMamba.Engine.Quantize;

/// <summary>A float eMamba checkpoint with seeded random weights in the real file format, written
/// without TorchSharp: the tensors <see cref="TensorNames.Expected"/> lists, at scales like a trained
/// model's (A_log = log(1..N), positive D, fitted-looking PWL tables), so calibration and quantization
/// behave as on a real model. For tests, benchmarks (speed does not depend on the weights) and
/// hardware generation before a model is trained.</summary>
public static class RandomCheckpoint
{
    /// <summary>An eMamba variant of <paramref name="cfg"/> (range norm, ReLU Delta, PWL SiLU and exp).</summary>
    public static ModelConfig EMambaOf(ModelConfig cfg) => cfg with
    {
        Arch = Arch.Mamba, Norm = Norm.Range, DeltaAct = DeltaAct.Relu, Silu = Impl.Pwl, Exp = Impl.Pwl,
        RangeInit = RangeInit.Matched,
    };

    public static void Write(string path, ModelConfig cfg, int seed)
    {
        var c = EMambaOf(cfg);
        var rng = new Random(seed);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var tables = PwlFunctions.All.ToDictionary(f => f, PwlTable.Default);
        // The exp table with its knot at 0 pinned to 1, as fitting makes it.
        tables[PwlFunction.Exp] = new PwlTable(PwlFunction.Exp, [-4, -3, -2, -1.5, -1, -0.6, -0.3, -0.1, 0, 1],
            [.. new double[] { -4, -3, -2, -1.5, -1, -0.6, -0.3, -0.1, 0, 1 }.Select(x => Math.Exp(Math.Min(x, 0)))]);
        var knots = tables.ToDictionary(kv => kv.Key, kv => kv.Value.Knots.Length);
        var list = new List<TensorData>();
        foreach (var e in TensorNames.Expected(c, knots))
        {
            long n = e.Shape.Aggregate(1L, (a, s) => a * s);
            var v = new float[n];
            string name = e.Name;
            int fanIn = e.Shape.Length > 1 ? (int)e.Shape[^1] * (e.Shape.Length > 2 ? (int)e.Shape[^2] : 1) : 1;
            for (long i = 0; i < n; i++)
            {
                v[i] = name switch
                {
                    _ when name.EndsWith(TensorNames.Parts.ALog, StringComparison.Ordinal) => (float)Math.Log(i % c.DState + 1),
                    _ when name.EndsWith("." + TensorNames.Parts.D, StringComparison.Ordinal) => (float)(1 + 0.1 * Normal()),
                    _ when name.Contains(TensorNames.Parts.DtProj + "." + TensorNames.Parts.Bias, StringComparison.Ordinal) => (float)(0.01 + 0.05 * rng.NextDouble()),
                    _ when name.EndsWith("norm.weight", StringComparison.Ordinal) || name.EndsWith("norm_f.weight", StringComparison.Ordinal) => (float)(2 + 0.2 * Normal()),
                    _ when name.EndsWith("." + TensorNames.Parts.Bias, StringComparison.Ordinal) => (float)(0.02 * Normal()),
                    _ when name.Contains(TensorNames.Parts.PwlPrefix, StringComparison.Ordinal) => 0,
                    _ => (float)(Normal() / Math.Sqrt(fanIn)),
                };
            }
            foreach (var f in PwlFunctions.All)
            {
                if (name == TensorNames.Pwl(f).Knots) v = [.. tables[f].Knots.Select(x => (float)x)];
                if (name == TensorNames.Pwl(f).Values) v = [.. tables[f].Values.Select(x => (float)x)];
            }
            list.Add(TensorData.FromFloat(name, v, e.Shape));
        }
        var norm = c.Head == Head.Lm ? Normalizer.None : new Normalizer(
            [.. Enumerable.Repeat(0.5f, c.InChannels)], [.. Enumerable.Repeat(0.25f, c.InChannels)]);
        var meta = new Dictionary<string, string>
        {
            ["format"] = FloatCheckpoint.FormatTag,
            ["config"] = new RunConfig { Model = c }.ToJson(),
            ["normalizer"] = norm.Serialize(),
        };
        SafetensorsFile.Write(path, list, meta);
    }
}

/// <summary>A quantized model of random weights, calibrated on random normal inputs (vision / radar)
/// or random tokens (LM): the tiny generated models of the tests and the benchmarks.</summary>
public static class RandomModel
{
    public static Core.Integer.IntModel Quantized(ModelConfig cfg, int seed, Core.Integer.Precision? precision = null, int calib = 16)
    {
        string dir = Path.Combine(Path.GetTempPath(), "emamba-random-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string path = Path.Combine(dir, "model.safetensors");
            RandomCheckpoint.Write(path, cfg, seed);
            return QuantizedFrom(path, seed, precision, calib);
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>The float checkpoint at <paramref name="path"/> quantized on random calibration inputs.</summary>
    public static Core.Integer.IntModel QuantizedFrom(string path, int seed, Core.Integer.Precision? precision = null, int calib = 16)
    {
        var ck = FloatCheckpoint.Read(path);
        var fm = new FloatModel(ck, null);
        var rng = new Random(seed + 1);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var c = fm.Config;
        var cal = c.Head == Head.Lm
            ? Calibration.RunLm(fm, Enumerable.Range(0, calib).Select(_ => Enumerable.Range(0, 32).Select(_ => rng.Next(c.Vocab)).ToArray()))
            : Calibration.Run(fm, Enumerable.Range(0, calib).Select(_ => Enumerable.Range(0, c.InChannels * c.Height * c.Width).Select(_ => Normal()).ToArray()));
        return Quantizer.Run(fm, cal, precision ?? new Core.Integer.Precision { Method = Core.Integer.CalibMethod.Percentile }, ck.Normalizer.Serialize(), out _);
    }
}
