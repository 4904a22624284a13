using EMamba.Core.Integer;
using EMamba.Onnx.Proto;

namespace EMamba.Onnx;

/// <summary>The QDQ building blocks of <see cref="QdqExport"/>: a boundary domain as a QuantizeLinear /
/// DequantizeLinear pair, and the integer layers of docs/integer.md (§4 linear, §5 range norm, §6 conv weights,
/// §7 PWL units) as float ops on dequantized values with their int8 weights dequantized per row.</summary>
internal sealed class Qdq(GraphBuilder g)
{
    /// <summary>How a boundary's integer operation rounds (doc §2).</summary>
    public enum Rounding { HalfUp, HalfDown, HalfEven }

    /// <summary>The tie offset is 2^-TieShift LSB: above float32's error on a 16-bit code (about 2^-9 LSB), below the spacing of real values near a tie.</summary>
    public const int TieShift = 7;

    private static ElemType? QType(Domain d) => (d.Bits, d.Unsigned) switch
    {
        (8, false) => ElemType.Int8, (8, true) => ElemType.UInt8, (16, false) => ElemType.Int16, (16, true) => ElemType.UInt16, _ => null,
    };

    /// <summary>x rounded to the domain's codes and saturated, then back to reals: QuantizeLinear / DequantizeLinear
    /// with scale 2^-frac for 8 and 16 bits, the same rule as Mul / Round / Clip / Mul otherwise. Both round half to
    /// even; the engine rounds half up (doc §2), so by default 1/128 LSB is added first: an exact tie (and a float32
    /// value a hair from one) then goes up, as in the engine, and no other value moves unless it lies within 1/128
    /// LSB below a tie. <see cref="Rounding.HalfDown"/> subtracts it (the exp input is -RoundShift: ties go down);
    /// <see cref="Rounding.HalfEven"/> adds nothing (the host's input quantization rounds half to even).</summary>
    public string At(string x, Domain d, string stem, Rounding r = Rounding.HalfUp)
    {
        string scale = g.Scalar((float)Math.ScaleB(1.0, -d.Frac));
        if (r != Rounding.HalfEven)
            x = g.Add(x, g.Scalar((float)Math.ScaleB(r == Rounding.HalfUp ? 1.0 : -1.0, -d.Frac - TieShift)), stem + ".tie");
        // No zero-point input, the type from output_dtype (opset 21): with an int8 zero point as well, ONNX Runtime
        // 1.31's QDQ propagation writes both and then refuses its own node (microsoft/onnxruntime issue 25526).
        if (QType(d) is ElemType t)
            return g.Op("DequantizeLinear", [g.Op("QuantizeLinear", [x, scale], stem + ".q", [new("output_dtype", I: (int)t)]), scale], stem);
        string codes = g.Op("Round", [g.Mul(x, g.Scalar((float)Math.ScaleB(1.0, d.Frac)), stem + ".scaled")], stem + ".round");
        string sat = g.Op("Clip", [codes, g.Scalar(d.Min), g.Scalar(d.Max)], stem + ".sat");
        return g.Mul(sat, scale, stem);
    }

    /// <summary>An (Out, In) int8 weight as the (In, Out) float right operand of MatMul: int8 initializer + DequantizeLinear per output column.</summary>
    private string Weight(IntLinear l, int from, int to, string stem)
    {
        int rows = to - from, cols = l.InFeatures;
        var t = new long[rows * cols];
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) t[j * rows + i] = l.Weight[(from + i) * cols + j];
        string w = g.Init(OnnxTensor.Codes(stem + ".weight_q", ElemType.Int8, [cols, rows], t));
        var fr = Enumerable.Range(from, rows).Select(j => QdqExport.Frac(l.WeightFrac, j)).ToArray();
        if (fr.All(f => f == fr[0]))
            return g.Op("DequantizeLinear", [w, g.Scalar((float)Math.ScaleB(1.0, -fr[0]))], stem + ".weight");
        string sc = g.Floats(stem + ".weight_scale", [rows], fr.Select(f => Math.ScaleB(1.0, -f)));
        return g.Op("DequantizeLinear", [w, sc], stem + ".weight", [new("axis", I: 1)]);
    }

    /// <summary>§4 for output rows [from, to), which write a domain of frac <paramref name="outFrac"/>: x W^T + bias (the
    /// accumulator as a real), scaled by Mult 2^(accFrac - Shift - outFrac) where that is not 1.</summary>
    public string Rows(string x, IntLinear l, int from, int to, int outFrac, string stem)
    {
        string y = g.MatMul(x, Weight(l, from, to, stem), stem + ".mm");
        int rows = to - from;
        Func<int, int> accFrac = j => l.In.Frac + QdqExport.Frac(l.WeightFrac, from + j);
        if (l.TokenBias)
        {
            var tb = new double[l.Tokens * rows];
            for (int t = 0; t < l.Tokens; t++) for (int j = 0; j < rows; j++) tb[t * rows + j] = Math.ScaleB(l.BiasAt(t, from + j), -accFrac(j));
            y = g.Add(y, g.Floats(stem + ".bias", [l.Tokens, rows], tb), stem + ".acc");
        }
        else if (l.Bias.Length > 0)
            y = g.Add(y, g.Floats(stem + ".bias", [rows], Enumerable.Range(0, rows).Select(j => Math.ScaleB(l.Bias[from + j], -accFrac(j)))), stem + ".acc");
        return Rescale(y, l.Mult[from..to], l.Shift[from..to], j => accFrac(j) - outFrac, stem + ".m");
    }

    public string Linear(string x, IntLinear l, string stem) => Rows(x, l, 0, l.OutFeatures, l.Out.Frac, stem);

    /// <summary>The requantization multiplier as a real: out = acc x Mult 2^(accFrac - outFrac - Shift); nothing when it is 1 for every row.</summary>
    public string Rescale(string y, long[] mult, int[] shift, Func<int, int> fracDiff, string stem)
    {
        var f = Enumerable.Range(0, mult.Length).Select(j => mult[j] * Math.ScaleB(1.0, fracDiff(j) - shift[j])).ToArray();
        return f.All(v => v == 1) ? y : g.Mul(y, g.Floats(stem, [f.Length], f), stem);
    }

    public string ConvWeight(IntConv cv)
    {
        string w = g.Init(OnnxTensor.Codes("conv.weight_q", ElemType.Int8, [cv.Channels, 1, cv.Kernel], [.. cv.Weight.Select(v => (long)v)]));
        string sc = g.Floats("conv.weight_scale", [cv.Channels], Enumerable.Range(0, cv.Channels).Select(j => Math.ScaleB(1.0, -QdqExport.Frac(cv.WeightFrac, j))));
        return g.Op("DequantizeLinear", [w, sc], "conv.weight", [new("axis", I: 0)]);
    }

    /// <summary>§5 in float: gamma (x - mean) / (max - min) + beta, no eps (an empty range gives t = 0, so beta, as the engine does).</summary>
    public string RangeNorm(string x, IntRangeNorm nm)
    {
        string stem = nm.Name;
        string cen = g.Sub(x, g.ReduceMean(x, -1, true, stem + ".mean"), stem + ".c");
        string range = g.Max(g.Sub(g.ReduceMax(cen, -1, true, stem + ".max"), g.ReduceMin(cen, -1, true, stem + ".min"), stem + ".range"), g.Scalar(1e-30f), stem + ".range_nz");
        var gamma = nm.Gamma.Select(v => Math.ScaleB(v, -nm.GammaFrac));
        var beta = nm.Beta.Select(v => Math.ScaleB(v, -(IntOps.NormTFrac + nm.GammaFrac)));
        return g.Add(g.Mul(g.Div(cen, range, stem + ".t"), g.Floats(stem + ".gamma", [nm.Width], gamma), stem + ".gt"), g.Floats(stem + ".beta", [nm.Width], beta), stem + ".y");
    }

    /// <summary>§7 in float: the unit's knots and values as reals, chords between them, its tails, clamped to [Lo, Hi].</summary>
    public string Pwl(string x, IntPwl p, string stem)
    {
        double ki = Math.ScaleB(1.0, -p.In.Frac), vo = Math.ScaleB(1.0, -p.Out.Frac), slope = Math.ScaleB(1.0, p.In.Frac - p.Out.Frac - IntOps.SlopeFrac);
        string y = g.Pwl(x, [.. p.Knots.Select(k => k * ki)], [.. p.Values.Select(v => v * vo)], p.BelowSlope * slope, p.AboveSlope * slope, stem);
        return g.Op("Clip", [y, g.Scalar((float)(p.Lo * vo)), g.Scalar((float)(p.Hi * vo))], stem + ".clip");
    }
}
