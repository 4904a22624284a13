using EMamba.Core.Approx;
using EMamba.Core.Integer;
using EMamba.Engine.Quantize;
using static EMamba.Core.Integer.IntOps;

namespace EMamba.Engine.Tests;

/// <summary>Golden values of the integer ops, computed by hand (docs/integer.md §2, §5, §7, §10).</summary>
public class IntOpsTests
{
    [Theory]
    // v, s, expected: half up at ties, toward +inf for negatives too
    [InlineData(5, 1, 3)]      // 2.5 -> 3
    [InlineData(-5, 1, -2)]    // -2.5 -> -2 (half up)
    [InlineData(7, 2, 2)]      // 1.75 -> 2
    [InlineData(6, 2, 2)]      // 1.5 -> 2
    [InlineData(-6, 2, -1)]    // -1.5 -> -1
    [InlineData(-7, 2, -2)]    // -1.75 -> -2
    [InlineData(3, 0, 3)]
    [InlineData(3, -2, 12)]    // left shift, exact
    [InlineData(1, 1, 1)]      // 0.5 -> 1
    [InlineData(-1, 1, 0)]     // -0.5 -> 0
    public void RoundShiftIsHalfUp(long v, int s, long expected) => Assert.Equal(expected, RoundShift(v, s));

    [Theory]
    [InlineData(127, 8, 127)]
    [InlineData(128, 8, 127)]
    [InlineData(-128, 8, -128)]
    [InlineData(-129, 8, -128)]
    [InlineData(40000, 16, 32767)]
    [InlineData(-9000000, 24, -8388608)]
    public void SatClampsToSignedRange(long v, int bits, long expected) => Assert.Equal(expected, Sat(v, bits));

    [Theory]
    [InlineData(-3, 8, 0)]
    [InlineData(255, 8, 255)]
    [InlineData(256, 8, 255)]
    public void SatUClampsToUnsignedRange(long v, int bits, long expected) => Assert.Equal(expected, SatU(v, bits));

    [Fact]
    public void RequantWithMultiplier()
    {
        // 1000 * 0.75 (m = 0.75 * 2^31, s = 31) = 750; 1001 * 0.75 = 750.75 -> 751; saturates at 8 bits.
        long m = 3L << 29;
        Assert.Equal(750, Requant(1000, m, 31, 16));
        Assert.Equal(751, Requant(1001, m, 31, 16));
        Assert.Equal(127, Requant(1000, m, 31, 8));
    }

    [Theory]
    [InlineData(7, 2, 4)]     // 3.5 -> 4
    [InlineData(5, 2, 3)]     // 2.5 -> 3
    [InlineData(-5, 2, -2)]   // -2.5 -> -2
    [InlineData(10, 4, 3)]    // 2.5 -> 3
    [InlineData(9, 4, 2)]     // 2.25 -> 2
    public void RoundDivIsHalfUp(long n, long d, long expected)
    {
        Assert.Equal(expected, RoundDiv(n, d));
    }

    [Fact]
    public void RangeNormOfAKnownToken()
    {
        // x = [0, 10, 20, 30] (D = 4): mean 15, range 30, t = [-0.5, -1/6, 1/6, 0.5] in Q14.
        long[] x = [0, 10, 20, 30];
        var recip = NormRecipTable(4, 8);
        Assert.Equal(RoundDiv(1L << 24, 4 * 30), recip[30]);
        var t = new long[4];
        RangeNormT(x, recip, 8, t);
        // c = 4x - 60 = [-60, -20, 20, 60]; recip[30] = round(2^24 / 120) = 139810; t = RoundShift(c * 139810, 10)
        Assert.Equal([RoundShift(-60 * 139810L, 10), RoundShift(-20 * 139810L, 10), RoundShift(20 * 139810L, 10), RoundShift(60 * 139810L, 10)], t);
        Assert.Equal(-8192, t[0]);           // -0.5 in Q14
        Assert.Equal(8192, t[3]);
        Assert.InRange(t[2], 2730, 2731);   // 1/6 * 16384 = 2730.67
    }

    [Fact]
    public void RangeNormOfAnEmptyRangeIsZero()
    {
        var t = new long[] { 9, 9, 9 };
        RangeNormT([5, 5, 5], NormRecipTable(3, 8), 8, t);
        Assert.Equal([0, 0, 0], t);
    }

    [Fact]
    public void RangeNormProductStaysWithinTheProvedBound()
    {
        // The doc's bound |c recip| < 2^24 + 2^19 for D up to 4096 and 8-bit codes: the extreme token.
        foreach (int d in new[] { 2, 3, 64, 4096 })
        {
            var recip = NormRecipTable(d, 8);
            long worst = 0;
            for (int r = 1; r < 256; r++) worst = Math.Max(worst, (long)(d - 1) * r * recip[r]);
            Assert.True(worst < (1L << 24) + (1L << 19), $"D={d}: {worst}");
        }
    }

    [Fact]
    public void ExpTableInCodesKeepsExpOfZeroAtOne()
    {
        // A fitted exp table has its knot at 0 pinned to 1 (PwlRule.Exp's pin).
        var t = new PwlTable(PwlFunction.Exp, [-4, -2, -1, -0.5, 0, 1], [0.02, 0.14, 0.37, 0.61, 1, 1]);
        var inD = new Domain(12, 16); var outD = new Domain(15, 16, true);
        var p = PwlCodes.Build("exp", t, inD, outD);
        Assert.Equal(1L << 15, Pwl(0, p));              // exp(0) = 1 exactly: a zero Delta keeps the state
        Assert.Equal(p.Values[0], Pwl(-100000, p));      // below the range: held
        Assert.Equal(1L << 15, Pwl(4096, p));            // above: saturates at its largest value (1.0)
        Assert.InRange(Pwl(-1L << 15, p), 0, 1L << 15);
    }

    [Fact]
    public void PwlOnCodesFollowsTheDoubleTableWithinItsRoundingBound()
    {
        foreach (var f in PwlFunctions.All)
        {
            var t = PwlTable.Default(f);
            var inD = f == PwlFunction.Exp ? new Domain(12, 16) : new Domain(4, 8);
            var outD = f == PwlFunction.Exp ? new Domain(15, 16, true) : new Domain(4, 8);
            var p = PwlCodes.Build(f.Name(), t, inD, outD);
            // Values round by 1/2 LSB, the chord by 1/2 more, and a knot moved by up to 1/2 input code
            // shifts the chord by half the steepest slope (in output LSB per input code).
            double steep = p.Slopes.Max(s => Math.Abs(s)) / 65536.0;
            double bound = 1 + 0.5 * steep + 1e-9;
            for (long q = inD.Min; q <= inD.Max; q += f == PwlFunction.Exp ? 7 : 1)
            {
                double x = q / Math.Pow(2, inD.Frac);
                double want = Math.Clamp(t.Eval(x) * Math.Pow(2, outD.Frac), outD.Min, outD.Max);
                if (f == PwlFunction.Exp && x > 0) continue;   // A_bar's input is never positive
                Assert.True(Math.Abs(Pwl(q, p) - want) <= bound, $"{f} at code {q} (x = {x}): {Pwl(q, p)} vs {want}, bound {bound}");
            }
        }
    }

    [Fact]
    public void StateUpdateWithUnitDecayAndNoInputKeepsTheState()
    {
        foreach (long h in new long[] { -32768, -5, 0, 7, 32767 })
            Assert.Equal(h, StateUpdate(h, 1L << 15, 0, 15, 16));
    }

    [Fact]
    public void StateUpdateSaturatesAtTheStateWidth()
    {
        Assert.Equal(32767, StateUpdate(32767, 1L << 15, 1L << 15, 15, 16));
        Assert.Equal(-32768, StateUpdate(-32768, 1L << 15, -(1L << 15), 15, 16));
        // 0.5 * 3 = 1.5 -> 2 (half up); 0.5 * -3 = -1.5 -> -1
        Assert.Equal(2, StateUpdate(3, 1L << 14, 0, 15, 16));
        Assert.Equal(-1, StateUpdate(-3, 1L << 14, 0, 15, 16));
    }
}
