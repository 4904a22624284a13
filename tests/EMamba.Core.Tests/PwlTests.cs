using CsCheck;
using EMamba.Core;
using EMamba.Core.Approx;

namespace EMamba.Core.Tests;

/// <summary>The double-precision PWL definition, knot fitting and the approx.json format.</summary>
public sealed class PwlTests
{
    private static Histogram Gaussian(double mean, double sd, double lo = -20, double hi = 20, int bins = 4000)
    {
        var c = new long[bins];
        for (int i = 0; i < bins; i++)
        {
            double x = lo + (i + 0.5) * (hi - lo) / bins, z = (x - mean) / sd;
            c[i] = (long)Math.Round(1e7 * Math.Exp(-0.5 * z * z));
        }
        return new Histogram(lo, hi, c, 0, 0);
    }

    [Fact]
    public void Uniform_table_interpolates_the_function_at_its_knots_and_has_exact_tails()
    {
        var t = PwlTable.Default(PwlFunction.Silu);
        Assert.Equal(17, t.Segments);
        foreach (var k in t.Knots) Assert.Equal(PwlFunction.Silu.Exact(k), t.Eval(k), 12);
        // Tails (PwlRule): v_0 held below, slope 1 through the last knot above (x - hi + v_K).
        Assert.Equal(t.Values[0], t.Eval(-7.5));
        Assert.Equal(9.25 - 7 + t.Values[^1], t.Eval(9.25), 12);
        var e = PwlTable.Default(PwlFunction.Exp);
        Assert.Equal((11, -4.0, 1.0), (e.Segments, e.Lo, e.Hi));
        Assert.Equal(1, e.Eval(3), 12);           // saturates at the last value, exp(1) capped at 1
        Assert.Equal([1.0, 1.0], e.Values[^2..]);   // the knots above 0: A_bar never exceeds 1
        Assert.Equal(e.Values[0], e.Eval(-4.01));   // held, not 0: no jump at the first knot
        Assert.Equal(Math.Exp(-4), e.Eval(double.NegativeInfinity), 12);
    }

    // Random strictly increasing knots (as float32) and values, for any function.
    private static Gen<PwlTable> Tables(PwlFunction f) =>
        Gen.Int[2, 20].SelectMany(n => Gen.Double[-10, 10].Array[n].Select(Gen.Double[-3, 3].Array[n], Gen.Double[0.01, 3].Array[n], (start, v, w) =>
        {
            var k = new double[n];
            k[0] = (float)start[0];
            for (int i = 1; i < n; i++) k[i] = (float)(k[i - 1] + w[i]);
            return new PwlTable(f, k, v);
        }));

    [Theory]
    [InlineData(PwlFunction.Silu)]
    [InlineData(PwlFunction.Exp)]
    public void Eval_is_continuous_at_both_ends_of_any_table(PwlFunction f)
    {
        // The defect this guards: exp was 0 just below its first knot and v_0 at it, so float rounding
        // of an input (-4.0000005 vs -4) decided between 0 and 0.0165.
        Tables(f).Sample(t =>
        {
            foreach (double eps in new[] { 1e-9, 1e-6, 1e-3 })
            {
                Assert.True(Math.Abs(t.Eval(t.Lo - eps) - t.Eval(t.Lo)) <= 4 * eps, $"at lo {t.Lo} eps {eps}");
                Assert.True(Math.Abs(t.Eval(t.Hi + eps) - t.Eval(t.Hi)) <= 4 * eps, $"at hi {t.Hi} eps {eps}");
                Assert.True(Math.Abs(t.Eval(t.Lo + eps) - t.Eval(t.Lo)) <= Math.Abs(t.Values[1] - t.Values[0]) / (t.Knots[1] - t.Knots[0]) * eps + 1e-12);
            }
            Assert.Equal(t.Values[0], t.Eval(t.Lo));
            Assert.Equal(t.Values[^1], t.Eval(t.Hi));
        });
    }

    [Fact]
    public void Exp_knot_at_0_with_value_1_is_a_pin()
    {
        var t = new PwlTable(PwlFunction.Exp, [-4, -1, 0, 1], [0.02, 0.4, 1, 1]);
        Assert.Equal([2], t.Pinned());
        Assert.Empty((t with { Values = [0.02, 0.4, 0.999, 1] }).Pinned());
        Assert.Empty(new PwlTable(PwlFunction.Silu, [-1, 0, 1], [0, 1, 1]).Pinned());
        var fitted = PwlFit.Fit(PwlFunction.Exp, 11, -4, 1, Gaussian(-0.5, 0.6));
        Assert.Equal([10], fitted.Pinned());   // the fitter's knot at 0 is one
    }

    [Fact]
    public void Tables_are_validated_as_the_float32_numbers_training_uses()
    {
        string File(string fn, string k, string v) =>
            $$"""{ "format": "emamba-approx/1", "tables": { "{{fn}}": { "knots": [{{k}}], "values": [{{v}}] } } }""";
        foreach (var (json, expect) in new[]
        {
            (File("silu", "0, 1, 2", "0, 1e300, 2"), "silu: value 1 = 1E+300 is not a finite float32"),
            (File("exp", "0, 1, 2", "0, 1e300, 1"), "exp: value 1 = 1E+300"),         // checked before exp's clip to [0, 1]
            (File("silu", "0, 1e39, 2e39", "0, 1, 2"), "silu: knot 1 = 1E+39 is not a finite float32"),
            (File("silu", "0, 1, 2e6", "0, 1, 2"), "silu: knot 2 = 2000000 is not a finite float32 within ±1e6"),
            (File("silu", "0, 1, 1.000000000001", "0, 1, 2"), "silu: knots must increase strictly as float32 (knot 2 = 1.000000000001 after 1)"),
        })
        {
            var e = Assert.Throws<ConfigException>(() => ApproxFile.Parse(json, "approx.json"));
            Assert.Contains("approx.json", e.Message);
            Assert.True(e.Message.Contains("tables." + expect), e.Message);
        }
        Assert.Empty(PwlTable.Check(PwlFunction.Silu, [-1e6, 0, 1e6], [1e6, 0, -1e6]));   // the bound itself is allowed
        Assert.Single(PwlTable.Check(PwlFunction.Exp, [0, 1], [0, double.NaN]));
    }

    [Fact]
    public void Hand_computed_interpolation()
    {
        var t = new PwlTable(PwlFunction.Silu, [-2, 0, 1], [0.5, 1, 3]);
        Assert.Equal(0.75, t.Eval(-1), 12);
        Assert.Equal(2, t.Eval(0.5), 12);
        Assert.Equal(1, t.Segment(0));            // an interior knot belongs to the segment starting there
    }

    [Fact]
    public void Exp_tables_never_leave_0_to_1_however_they_are_made()
    {
        // Any knots and values: the table (made, or changed with 'with') evaluates inside [0, 1]
        // everywhere, so A_bar can never make the state grow (see PwlFunction).
        Gen.Double[-1, 3].Array[2, 12].Select(Gen.Double[-6, 2].Array[12], (v, raw) => (v, raw)).Sample(c =>
        {
            var k = c.raw.Take(c.v.Length).Order().Select((x, i) => x + i * 1e-3).ToArray();
            var t = new PwlTable(PwlFunction.Exp, k, c.v);
            var w = t with { Values = c.v.Select(x => x + 1).ToArray() };
            for (double x = -8; x <= 4; x += 0.01)
            {
                Assert.InRange(t.Eval(x), 0, 1);
                Assert.InRange(w.Eval(x), 0, 1);
            }
        });
        Assert.Equal(1, PwlFunction.Exp.Exact(0.5));
        Assert.Equal(Math.Exp(-0.5), PwlFunction.Exp.Exact(-0.5), 15);
        Assert.True(double.IsNaN(PwlFunction.Exp.Admissible(double.NaN)));   // left for Problems() to name
        Assert.Equal(2.5, PwlFunction.Silu.Admissible(2.5));
    }

    [Theory]
    [InlineData(PwlFunction.Silu, 0.0, 1.5)]
    [InlineData(PwlFunction.Exp, -0.3, 0.4)]
    public void Fitting_beats_uniform_knots_under_the_histogram_and_keeps_the_range(PwlFunction f, double mean, double sd)
    {
        var h = Gaussian(mean, sd);
        var (n, lo, hi) = f.Default();
        var uniform = PwlTable.Uniform(f, n, lo, hi);
        var fitted = PwlFit.Fit(f, n, lo, hi, h);
        Assert.Empty(fitted.Problems());
        Assert.Equal((lo, hi), (fitted.Lo, fitted.Hi));
        var eu = PwlError.Of(uniform, h); var ef = PwlError.Of(fitted, h);
        Assert.True(ef.Rms < 0.5 * eu.Rms, $"fitted RMS {ef.Rms:G3} vs uniform {eu.Rms:G3}");
        // Least-squares values on the uniform grid alone help too, but less than moving the knots.
        Assert.True(ef.Rms <= PwlError.Of(PwlFit.FitValues(uniform, h), h).Rms * 1.0001);
        // Deterministic.
        Assert.Equal(fitted.Knots, PwlFit.Fit(f, n, lo, hi, h).Knots);
        // exp keeps a knot at 0 with A_bar exactly 1 there: a zero Delta carries the state unchanged.
        if (f == PwlFunction.Exp)
        {
            Assert.Equal(1.0, fitted.Eval(0));
            // exp(min(x, 0)) is flat from 0 up: one segment covers it and no knot is spent there.
            Assert.Equal([0.0, hi], fitted.Knots.Where(x => x >= 0));
            Assert.Equal(lo, fitted.Knots[0]);
        }
    }

    [Theory]
    [InlineData(4, -3.7, 0.5)]
    [InlineData(7, -3.3, 0.3)]
    public void Fitted_exp_keeps_the_exact_range_asked_for(int segments, double lo, double hi)
    {
        var t = PwlFit.Fit(PwlFunction.Exp, segments, lo, hi, Gaussian(-0.5, 0.6));
        Assert.Equal(lo, t.Knots[0]);   // exactly: lo * n / n is off in the last bit for these
        Assert.Equal(hi, t.Knots[^1]);
        Assert.Equal([0.0, hi], t.Knots.Where(x => x >= 0));
    }

    [Fact]
    public void Error_of_a_table_is_zero_for_a_linear_stretch()
    {
        // SiLU tail x > Hi is exact identity: a histogram entirely above the range has no error.
        var h = new Histogram(0, 10, new long[10], 0, 50);
        var t = new PwlTable(PwlFunction.Silu, [-7, 7], [0, 7]);
        Assert.True(PwlError.Of(t, h).Rms < 1e-2);   // silu(10) = 9.99955
    }

    [Fact]
    public void Approx_file_round_trips_and_rejects_bad_tables_by_name()
    {
        var f = new ApproxFile(new Dictionary<PwlFunction, PwlTable> { [PwlFunction.Exp] = PwlTable.Default(PwlFunction.Exp) });
        var back = ApproxFile.Parse(f.ToJson(), "mem");
        Assert.Equal(f.Tables[PwlFunction.Exp].Knots, back.Tables[PwlFunction.Exp].Knots);
        Assert.Equal(f.Tables[PwlFunction.Exp].Values, back.Tables[PwlFunction.Exp].Values);
        foreach (var (json, expect) in new[]
        {
            ("""{ "format": "emamba-approx/1", "tables": { "exp": { "knots": [0, 0], "values": [1, 1] } } }""", "increase strictly"),
            ("""{ "format": "emamba-approx/1", "tables": { "exp": { "knots": [0, 1, 2], "values": [1, 1] } } }""", "2 values for 3 knots"),
            ("""{ "format": "emamba-approx/1", "tables": { "tanh": { "knots": [0, 1], "values": [1, 1] } } }""", "'tanh' is not one of"),
            ("""{ "format": "emamba-approx/1", "tables": { "silu": { "knots": [0, "x"], "values": [1, 1] } } }""", "must be {"),
            ("""{ "format": "other", "tables": {} }""", "'format' is 'other'"),
            ("""{ "format": "emamba-approx/1", "tables": { "exp": { "knots": [0, 1], "values": [1, 2] } }, "extra": 1 }""", "unknown key 'extra'"),
            ("""[1, 2]""", "JSON object"),
            ("""{ "format": """, "not valid JSON"),
        })
        {
            var e = Assert.Throws<ConfigException>(() => ApproxFile.Parse(json, "approx.json"));
            Assert.Contains("approx.json", e.Message);
            Assert.Contains(expect, e.Message);
        }
    }

    [Fact]
    public void Eval_is_continuous_inside_the_range()
    {
        var t = PwlFit.Fit(PwlFunction.Silu, 17, -7, 7, Gaussian(0, 2));
        Gen.Double[-7, 7].Sample(x =>
        {
            double a = t.Eval(x), b = t.Eval(Math.Min(7, x + 1e-9));
            Assert.True(Math.Abs(a - b) < 1e-6);
        });
    }
}
