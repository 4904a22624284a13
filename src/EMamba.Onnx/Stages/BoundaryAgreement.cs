using EMamba.Core;
using EMamba.Core.Integer;
using EMamba.Data;
using EMamba.Engine;

namespace EMamba.Onnx.Stages;

/// <summary>How many codes of one boundary (the QDQ graph cut there, <see cref="QdqExport.Build"/>'s tap) equal the
/// engine's reference on the same samples: the output of a QDQ graph is a fine-grained s32 accumulator, so code
/// equality is judged at the last quantized boundary before the head, norm_f.</summary>
public static class BoundaryAgreement
{
    public sealed record Result(string Boundary, Domain Domain, long Codes, double EqualPercent, double WithinOnePercent, long MaxLsb);

    private sealed class Capture(string name, int size, int tokens) : ITap
    {
        public readonly long[] Codes = new long[size * tokens];
        public void Tensor(string n, int token, ReadOnlySpan<long> codes) { if (n == name) codes.CopyTo(Codes.AsSpan(token * size)); }
    }

    public static Result Measure(IntModel m, IDataset ds, string boundary, Domain domain, int threads, int chunk, CancellationToken ct)
    {
        var c = m.Config;
        int d = c.DModel, T = c.Tokens, size = c.InChannels * c.Height * c.Width, n = ds.Count;
        string dir = Directory.CreateTempSubdirectory("emamba-onnx-cut-").FullName;
        try
        {
            string f = Path.Combine(dir, "cut.onnx");
            File.WriteAllBytes(f, QdqExport.Build(m, "cut", boundary).Serialize());
            using var s = new Microsoft.ML.OnnxRuntime.InferenceSession(f, new Microsoft.ML.OnnxRuntime.SessionOptions { IntraOpNumThreads = threads });
            var norm = Normalizer.Parse(m.Normalizer, c.InChannels);
            long eq = 0, one = 0, max = 0, total = 0;
            double scale = Math.ScaleB(1.0, domain.Frac);
            var x = new float[chunk * size];
            for (int c0 = 0; c0 < n; c0 += chunk)
            {
                ct.ThrowIfCancellationRequested();
                int cn = Math.Min(chunk, n - c0);
                var xs = cn == chunk ? x : new float[cn * size];
                RawInputs.Copy(ds, c0, cn, xs);
                using var v = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(xs, [cn, c.InChannels, c.Height, c.Width]);
                using var ro = new Microsoft.ML.OnnxRuntime.RunOptions();
                using var res = s.Run(ro, [FloatExport.Input], [v], [FloatExport.Output]);
                var got = res[0].GetTensorDataAsSpan<float>().ToArray();
                var want = new long[cn][];
                Parallel.For(0, cn, new ParallelOptions { MaxDegreeOfParallelism = threads }, i =>
                {
                    var cap = new Capture(boundary, d, T);
                    Reference.Run(m, Samples.Codes(Samples.Normalised(ds, c0 + i, norm), m.Input), cap);
                    want[i] = cap.Codes;
                });
                for (int i = 0; i < cn; i++)
                    for (int j = 0; j < d * T; j++)
                    {
                        long diff = Math.Abs((long)Math.Round(got[i * d * T + j] * scale) - want[i][j]);
                        if (diff == 0) eq++;
                        if (diff <= 1) one++;
                        max = Math.Max(max, diff);
                        total++;
                    }
            }
            return new Result(boundary, domain, total, 100.0 * eq / total, 100.0 * one / total, max);
        }
        finally { Directory.Delete(dir, true); }
    }
}
