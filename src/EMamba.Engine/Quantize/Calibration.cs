using EMamba.Core.Integer;

namespace EMamba.Engine.Quantize;

/// <summary>What calibration saw at each boundary of the float forward: the largest |v| over every
/// value, and a seeded reservoir sample of up to <see cref="SampleSize"/> values for the percentile
/// and MSE methods. Deterministic: the same inputs in the same order give the same statistics.</summary>
public sealed class Calibration
{
    public const int SampleSize = 65536;

    public sealed class Stats(ulong seed)
    {
        public double MaxAbs { get; private set; }
        public double Min { get; private set; } = double.PositiveInfinity;
        public double Max { get; private set; } = double.NegativeInfinity;
        public long Count { get; private set; }
        public List<double> Sample { get; } = [];
        private ulong rng = seed | 1;

        public void Add(ReadOnlySpan<double> v)
        {
            foreach (double x in v)
            {
                if (!double.IsFinite(x)) throw new InvalidOperationException("calibration saw a non-finite value");
                double a = Math.Abs(x);
                if (a > MaxAbs) MaxAbs = a;
                if (x < Min) Min = x;
                if (x > Max) Max = x;
                Count++;
                if (Sample.Count < SampleSize) Sample.Add(x);
                else
                {
                    // Algorithm R with xorshift64*: replace a random slot with probability SampleSize / Count.
                    rng ^= rng >> 12; rng ^= rng << 25; rng ^= rng >> 27;
                    ulong r = (rng * 2685821657736338717UL) % (ulong)Count;
                    if (r < SampleSize) Sample[(int)r] = x;
                }
            }
        }

        /// <summary>The q-quantile of |v| over the sample (q in [0, 1]).</summary>
        public double AbsQuantile(double q)
        {
            if (Sample.Count == 0) return 0;
            var a = Sample.Select(Math.Abs).Order().ToArray();
            return a[(int)Math.Min(a.Length - 1, Math.Floor(q * (a.Length - 1) + 0.5))];
        }
    }

    public Dictionary<string, Stats> Boundaries { get; } = [];
    public int Samples { get; private set; }

    public void Observe(string name, int token, ReadOnlySpan<double> values)
    {
        if (!Boundaries.TryGetValue(name, out var s))
            Boundaries[name] = s = new Stats((ulong)name.Aggregate(1469598103934665603L, (h, c) => (h ^ c) * 1099511628211L));
        s.Add(values);
    }

    /// <summary>Runs the float model on each sample (vision / radar: normalised (C, H, W) inputs).</summary>
    public static Calibration Run(FloatModel m, IEnumerable<double[]> samples, Action<int>? progress = null)
    {
        var c = new Calibration();
        foreach (var x in samples)
        {
            m.Run(x, c.Observe);
            c.Samples++;
            progress?.Invoke(c.Samples);
        }
        return c;
    }

    /// <summary>Runs a language model over token sequences, streaming each from a fresh state.</summary>
    public static Calibration RunLm(FloatModel m, IEnumerable<int[]> sequences, Action<int>? progress = null)
    {
        var c = new Calibration();
        foreach (var seq in sequences)
        {
            var st = new FloatModel.State(m);
            foreach (int tok in seq) m.Step(st, tok, c.Observe);
            c.Samples++;
            progress?.Invoke(c.Samples);
        }
        return c;
    }

    public Stats this[string name] => Boundaries.TryGetValue(name, out var s) ? s
        : throw new KeyNotFoundException($"calibration has no boundary '{name}'");

    /// <summary>The frac a domain of <paramref name="bits"/> bits gets for these statistics by
    /// <paramref name="method"/> (doc §2): the largest f with ref x 2^f &lt;= the largest code, where ref
    /// is the max (or the percentile); MSE tries f_max .. f_max + 3 on the sample and keeps the best.</summary>
    public static (int Frac, double SquaredError, double Clipped) Choose(Stats s, int bits, bool unsigned, CalibMethod method)
    {
        long top = unsigned ? (1L << bits) - 1 : (1L << (bits - 1)) - 1;
        int FracFor(double r) => r <= 0 ? bits - 1 : Math.Clamp((int)Math.Floor(Math.Log2(top / r)), -32, 48);
        int fMax = FracFor(unsigned ? Math.Max(s.Max, 0) : s.MaxAbs);
        var dom = new Domain(0, bits, unsigned);
        (double Err, double Clip) Err(int f)
        {
            double scale = Math.Pow(2, f), e = 0; long clipped = 0;
            foreach (double v in s.Sample)
            {
                double q = Math.Round(v * scale, MidpointRounding.ToEven);
                double cq = Math.Clamp(q, dom.Min, dom.Max);
                if (cq != q) clipped++;
                double d = v - cq / scale; e += d * d;
            }
            return (s.Sample.Count == 0 ? 0 : e / s.Sample.Count, s.Sample.Count == 0 ? 0 : (double)clipped / s.Sample.Count);
        }
        int f = method switch
        {
            CalibMethod.Max => fMax,
            CalibMethod.Percentile => Math.Max(fMax, FracFor(s.AbsQuantile(0.9999))),
            _ => Enumerable.Range(fMax, 4).MinBy(x => Err(x).Err),
        };
        var (err, clip) = Err(f);
        return (f, err, clip);
    }
}
