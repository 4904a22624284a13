using EMamba.Core.Integer;
using static TorchSharp.torch;

namespace EMamba.Training.Qat;

/// <summary>The integer operations of <see cref="IntOps"/> on float64 tensors that hold integer codes,
/// with straight-through gradients: the forward value is exactly the integer result (every code and
/// accumulator the doc allows is below 2^53, so float64 holds it exactly, and matmul sums of integers
/// are exact in any order), the backward treats each rounding as the identity and each saturation as
/// a clamp (zero gradient outside). Quantization-aware training is the integer forward, not an
/// imitation of it.</summary>
public static class FakeQuant
{
    /// <summary>v with the forward value of <paramref name="q"/> and the gradient of v.</summary>
    public static Tensor Straight(Tensor v, Tensor q) => v + (q - v).detach();

    /// <summary>IntOps.RoundShift(v, s) = floor(v 2^-s + 1/2) (half up; exact left shift for s &lt;= 0).</summary>
    public static Tensor RoundShift(Tensor v, int s)
    {
        var a = v * Math.Pow(2, -s);
        return s <= 0 ? a : Straight(a, (a + 0.5).floor());
    }

    /// <summary>RoundShift with one shift per element of the last dimension (per output row).</summary>
    public static Tensor RoundShift(Tensor v, int[] s)
    {
        var a = v * tensor(s.Select(x => Math.Pow(2, -x)).ToArray(), dtype: float64);
        return Straight(a, (a + 0.5).floor());
    }

    /// <summary>Domain.Clamp: saturation to the domain's signed or unsigned range.</summary>
    public static Tensor Clamp(Tensor v, Domain d) => v.clamp(d.Min, d.Max);

    /// <summary>Quantizer.Code: v 2^frac rounded half to even (weights and biases).</summary>
    public static Tensor Code(Tensor v, int frac)
    {
        var a = v * Math.Pow(2, frac);
        return Straight(a, a.round());
    }

    /// <summary>Quantizer.Code with one frac per row (dim 0) of a 2-D weight.</summary>
    public static Tensor Code(Tensor w, int[] frac)
    {
        var a = w * tensor(frac.Select(f => Math.Pow(2, f)).ToArray(), dtype: float64).unsqueeze(1);
        return Straight(a, a.round());
    }

    /// <summary>IntOps.Pwl on a tensor of codes: the segment of each code (by the knots at or below
    /// it; tails below the first and from the last knot), y = v_j + RoundShift((q - k_j) s_j, 16),
    /// clamped to [Lo, Hi]. The gradient is the segment's slope.</summary>
    public sealed class PwlUnit
    {
        private readonly Tensor knots, baseK, baseV, slope;
        private readonly IntPwl p;

        public PwlUnit(IntPwl p)
        {
            this.p = p;
            int k = p.Knots.Length;
            // Index i = number of knots <= q, 0..K: i = 0 is the lower tail, i = K the upper one.
            var bk = new double[k + 1]; var bv = new double[k + 1]; var sl = new double[k + 1];
            for (int i = 0; i <= k; i++)
            {
                int j = Math.Clamp(i - 1, 0, k - 1);
                bk[i] = p.Knots[j]; bv[i] = p.Values[j];
                sl[i] = i == 0 ? p.BelowSlope : i == k ? p.AboveSlope : p.Slopes[i - 1];
            }
            // Tables live as long as the model, outside any forward's dispose scope.
            knots = tensor(p.Knots.Select(v => (double)v).ToArray(), dtype: float64).DetachFromDisposeScope();
            baseK = tensor(bk, dtype: float64).DetachFromDisposeScope();
            baseV = tensor(bv, dtype: float64).DetachFromDisposeScope();
            slope = tensor(sl, dtype: float64).DetachFromDisposeScope();
        }

        public Tensor Forward(Tensor q)
        {
            var i = bucketize(q.detach().contiguous(), knots, right: true);         // same shape as q, int64
            var y = baseV.take(i) + RoundShift((q - baseK.take(i)) * slope.take(i), IntOps.SlopeFrac);
            return y.clamp(p.Lo, p.Hi);
        }
    }
}
