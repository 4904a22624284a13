using EMamba.Core.Integer;

namespace EMamba.Engine.Quantize;

/// <summary>Where quantization error enters: the float reference and the integer forward run on the
/// same samples, and every boundary's codes (as reals, code x 2^-frac) are compared with the float
/// values: the RMS error relative to the float RMS, per boundary, in pipeline order. The first
/// boundary whose error jumps is where a wider domain or another calibration method helps.</summary>
public static class Divergence
{
    public sealed record Row(string Name, Domain Domain, double RelRms, double MaxAbsErr, long Values);

    public static IReadOnlyList<Row> Measure(IntModel m, FloatModel fm, IEnumerable<double[]> samples)
    {
        var fracs = Trace.Layouts(m).ToDictionary(kv => kv.Key, kv => kv.Value.Domain);
        var acc = new Dictionary<string, (double Err2, double Ref2, double Max, long N)>();
        var order = new List<string>();
        foreach (var x in samples)
        {
            var fl = new Dictionary<(string, int), double[]>();
            fm.Run(x, (name, t, v) => fl[(name, t)] = v.ToArray());
            Reference.Run(m, Samples.Codes(x, m.Input), new Tap((name, t, codes) =>
            {
                if (!fl.TryGetValue((name, t), out var f) || !fracs.TryGetValue(name, out var d) || f.Length != codes.Length) return;
                if (!acc.ContainsKey(name)) order.Add(name);
                var (e2, r2, mx, n) = acc.GetValueOrDefault(name);
                for (int i = 0; i < codes.Length; i++)
                {
                    double e = Samples.Real(codes[i], d) - f[i];
                    e2 += e * e; r2 += f[i] * f[i]; mx = Math.Max(mx, Math.Abs(e)); n++;
                }
                acc[name] = (e2, r2, mx, n);
            }));
        }
        return [.. order.Select(n => { var (e2, r2, mx, c) = acc[n]; return new Row(n, fracs[n], r2 == 0 ? 0 : Math.Sqrt(e2 / r2), mx, c); })];
    }

    private sealed class Tap(Action<string, int, long[]> f) : ITap
    {
        public void Tensor(string name, int token, ReadOnlySpan<long> codes) => f(name, token, codes.ToArray());
    }
}
