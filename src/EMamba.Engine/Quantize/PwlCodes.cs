using EMamba.Core;
using EMamba.Core.Approx;
using EMamba.Core.Integer;
using static EMamba.Core.Integer.IntOps;

namespace EMamba.Engine.Quantize;

/// <summary>A float PWL table in codes (doc §7): knots rounded to the input's codes (knots closer
/// than one code collapse to the first), values to the output's, slopes in Q16 computed from the
/// coded knots and values, tails and the value clamp from the function's <see cref="PwlRule"/>.</summary>
public static class PwlCodes
{
    public static IntPwl Build(string name, PwlTable t, Domain input, Domain output)
    {
        var rule = t.Function.Rule();
        var k = new List<long>(); var v = new List<long>();
        long lo = double.IsNegativeInfinity(rule.ValueMin) ? output.Min : Math.Max(output.Min, Quantizer.Code(rule.ValueMin, output.Frac));
        long hi = double.IsPositiveInfinity(rule.ValueMax) ? output.Max : Math.Min(output.Max, Quantizer.Code(rule.ValueMax, output.Frac));
        for (int j = 0; j < t.Knots.Length; j++)
        {
            long kc = Quantizer.Code(t.Knots[j], input.Frac);
            if (k.Count > 0 && kc <= k[^1]) continue;                 // knots closer than one input code: keep the first
            k.Add(kc); v.Add(Math.Clamp(Quantizer.Code(t.Values[j], output.Frac), lo, hi));
        }
        if (k.Count < 2) throw new EMambaException($"{name}: the {t.Function.Name()} table's knots fall within {k.Count} input code(s) at frac {input.Frac}; the input domain is too coarse for it");
        var slopes = new long[k.Count - 1];
        for (int j = 0; j < slopes.Length; j++) slopes[j] = RoundDiv((v[j + 1] - v[j]) << SlopeFrac, k[j + 1] - k[j]);
        long Tail(double s) => Quantizer.Code(s, output.Frac - input.Frac + SlopeFrac);
        return new IntPwl(name, [.. k], [.. v], slopes, Tail(rule.BelowSlope), Tail(rule.AboveSlope), lo, hi, input, output);
    }

}
