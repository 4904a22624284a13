using EMamba.Core.Approx;
using EMamba.Training.Scan;

namespace EMamba.Training.Pwl;

/// <summary>The arithmetic of a piecewise-linear function on raw float32 buffers (the definition is
/// <see cref="PwlTable"/>; the autograd wrapper is <see cref="PiecewiseLinear"/>).
/// <code>
///   inside segment i (k_i &lt;= x &lt;= k_i+1):  w = k_i+1 - k_i,  t = (x - k_i) / w,  s = (v_i+1 - v_i) / w
///     y = v_i + t (v_i+1 - v_i)
///     dy/dx = s    dy/dv_i = 1 - t    dy/dv_i+1 = t    dy/dk_i = s (t - 1)    dy/dk_i+1 = -s t
///   below k_0 or at/above k_K, end knot e (the tails of <see cref="PwlRule"/>, slope b below, a above):
///     y = v_e + slope (x - k_e)    dy/dx = slope    dy/dv_e = 1    dy/dk_e = -slope
///     (SiLU: b = 0, a = 1, so y = x - k_K + v_K above; exp: b = a = 0, the end values held)
/// </code>
/// Work is cut into fixed chunks of the flat input; the knot and value gradients are summed per chunk
/// in double and then over chunks in order, so results do not depend on the thread count.</summary>
internal static unsafe class PiecewiseLinearKernel
{
    private const int Chunk = 1 << 15;

    public static void Forward(float* x, float* y, long n, float[] knots, float[] values, PwlFunction fn, int threads)
    {
        long chunks = (n + Chunk - 1) / Chunk;
        Parallel.For(0L, chunks, Options(threads), c =>
        {
            long end = Math.Min(n, (c + 1) * Chunk);
            int last = knots.Length - 1;
            var (below, above) = Slopes(fn);
            for (long j = c * Chunk; j < end; j++)
            {
                float xv = x[j];
                if (xv < knots[0]) { y[j] = PwlRule.Tail(values[0], below, xv - knots[0]); continue; }
                if (xv >= knots[last]) { y[j] = PwlRule.Tail(values[last], above, xv - knots[last]); continue; }
                int i = Segment(knots, xv);
                float w = knots[i + 1] - knots[i];
                float t = w > 0 ? (xv - knots[i]) / w : 0;
                y[j] = values[i] + t * (values[i + 1] - values[i]);
            }
        });
    }

    /// <summary>gx (written), gKnots and gValues (written) from the incoming gradient gy.</summary>
    public static void Backward(float* x, float* gy, float* gx, long n, float[] knots, float[] values, PwlFunction fn,
        int threads, double[] gKnots, double[] gValues)
    {
        int k = knots.Length, last = k - 1;
        long chunks = (n + Chunk - 1) / Chunk;
        var (below, above) = Slopes(fn);
        var partK = new double[chunks, k];
        var partV = new double[chunks, k];
        Parallel.For(0L, chunks, Options(threads), c =>
        {
            long end = Math.Min(n, (c + 1) * Chunk);
            Span<double> pk = stackalloc double[k], pv = stackalloc double[k];
            for (long j = c * Chunk; j < end; j++)
            {
                float xv = x[j], g = gy[j];
                if (xv < knots[0] || xv >= knots[last])
                {
                    int e = xv < knots[0] ? 0 : last;
                    float slope = e == 0 ? below : above;
                    gx[j] = g * slope; pv[e] += g; pk[e] -= g * slope;
                    continue;
                }
                int i = Segment(knots, xv);
                float w = knots[i + 1] - knots[i];
                if (!(w > 0)) { gx[j] = 0; pv[i] += g; continue; }
                float t = (xv - knots[i]) / w, s = (values[i + 1] - values[i]) / w;
                gx[j] = g * s;
                pv[i] += g * (1 - t); pv[i + 1] += g * t;
                pk[i] += g * s * (t - 1); pk[i + 1] -= g * s * t;
            }
            for (int i = 0; i < k; i++) { partK[c, i] = pk[i]; partV[c, i] = pv[i]; }
        });
        Array.Clear(gKnots); Array.Clear(gValues);
        for (long c = 0; c < chunks; c++)
            for (int i = 0; i < k; i++) { gKnots[i] += partK[c, i]; gValues[i] += partV[c, i]; }
    }

    // The i with k_i <= x <= k_i+1, for x inside [k_0, k_K].
    private static int Segment(float[] knots, float x)
    {
        int lo = 0, hi = knots.Length - 2;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) >> 1;
            if (knots[mid] <= x) lo = mid; else hi = mid - 1;
        }
        return lo;
    }

    private static (float Below, float Above) Slopes(PwlFunction fn)
    {
        var r = fn.Rule();
        return ((float)r.BelowSlope, (float)r.AboveSlope);
    }

    private static ParallelOptions Options(int threads) => new() { MaxDegreeOfParallelism = Math.Max(1, threads) };
}
