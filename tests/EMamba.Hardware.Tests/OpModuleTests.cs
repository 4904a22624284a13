using EMamba.Core.Integer;
using EMamba.Engine;

namespace EMamba.Hardware.Tests;

/// <summary>Each combinational operation module against its IntOps / Reference definition on edge values:
/// rounding ties, negative and left shifts, saturation at both ends, every PWL segment and tail. The
/// sequential units (linear, range norm, conv, scan) are checked tensor by tensor by the co-simulation.</summary>
public class OpModuleTests
{
    private static readonly long[] Edges = [0, 1, -1, 2, -2, 3, -3, 5, -5, 6, -6, 127, -128, 128, -129, 255, 256, 32767, -32768, 65535, -65536, 1L << 40, -(1L << 40), (1L << 47) - 1, -(1L << 47)];

    [SimFact(Simulator.Icarus)]
    public void RoundShiftIsHalfUpWithExactLeftShifts()
    {
        var vec = (from v in Edges from s in new[] { -8, -1, 0, 1, 2, 3, 7, 15, 16, 31, 40, 47 } select new[] { v, (long)s }).ToList();
        var got = OpHarness.Run("em_round_shift", "", [("v", 64), ("s", 8)], vec);
        for (int i = 0; i < vec.Count; i++) Assert.True(IntOps.RoundShift(vec[i][0], (int)vec[i][1]) == got[i], $"RoundShift({vec[i][0]}, {vec[i][1]}): RTL {got[i]}");
        // The ties the doc names: 2.5 -> 3, -2.5 -> -2, -1.5 -> -1.
        Assert.Equal([3L, -2, -1], OpHarness.Run("em_round_shift", "", [("v", 64), ("s", 8)], [[5, 1], [-5, 1], [-3, 1]]));
    }

    [SimFact(Simulator.Icarus)]
    public void SaturationClampsAtBothEnds()
    {
        foreach (var (bits, uns) in new[] { (2, 0), (8, 0), (8, 1), (16, 0), (16, 1), (32, 0) })
        {
            var vec = Edges.Select(v => new[] { v }).ToList();
            var got = OpHarness.Run("em_sat", $"#(.BITS({bits}), .UNSIGNED({uns}))", [("v", 64)], vec, outBits: bits + uns);
            for (int i = 0; i < vec.Count; i++)
                Assert.Equal(uns == 1 ? IntOps.SatU(vec[i][0], bits) : IntOps.Sat(vec[i][0], bits), got[i]);
        }
    }

    [SimFact(Simulator.Icarus)]
    public void RequantMultipliesRoundsAndSaturates()
    {
        var vec = (from a in Edges.Where(e => Math.Abs(e) < 1L << 30) from m in new long[] { 1, 3, (1L << 30) + 12345 } from s in new[] { -2, 0, 4, 31, 35 } select new[] { a, m, (long)s }).ToList();
        foreach (var (bits, uns) in new[] { (8, 0), (8, 1), (16, 0) })
        {
            var got = OpHarness.Run("em_requant", $"#(.BITS({bits}), .UNSIGNED({uns}))", [("acc", 64), ("mult", 64), ("shift", 8)], vec, outBits: bits + uns);
            for (int i = 0; i < vec.Count; i++)
            {
                long want = uns == 1 ? IntOps.RequantU(vec[i][0], vec[i][1], (int)vec[i][2], bits) : IntOps.Requant(vec[i][0], vec[i][1], (int)vec[i][2], bits);
                Assert.True(want == got[i], $"Requant({vec[i][0]}, {vec[i][1]}, {vec[i][2]}, {bits}{(uns == 1 ? "u" : "")}): RTL {got[i]}, IntOps {want}");
            }
        }
    }

    private static void Pwl(IntPwl p, IEnumerable<long> codes)
    {
        var vec = codes.Distinct().Select(q => new[] { q }).ToList();
        var roms = new Dictionary<string, string> { ["k.hex"] = Hex.Words(p.Knots, 64), ["v.hex"] = Hex.Words(p.Values, 64), ["s.hex"] = Hex.Words(p.Slopes, 64) };
        string par = $"#(.NK({p.Knots.Length}), .BELOW({Hex.Literal(p.BelowSlope, 64)}), .ABOVE({Hex.Literal(p.AboveSlope, 64)}), .LO({Hex.Literal(p.Lo, 64)}), .HI({Hex.Literal(p.Hi, 64)}), .KNOTS(\"k.hex\"), .VALUES(\"v.hex\"), .SLOPES(\"s.hex\"))";
        var got = OpHarness.Run("em_pwl", par, [("q", 64)], vec, roms);
        for (int i = 0; i < vec.Count; i++) Assert.True(IntOps.Pwl(vec[i][0], p) == got[i], $"{p.Name}({vec[i][0]}): RTL {got[i]}, IntOps {IntOps.Pwl(vec[i][0], p)}");
    }

    [SimFact(Simulator.Icarus)]
    public void PwlSiluOnEveryInputCode()
    {
        var b = Tiny.ModelOne.Blocks[0];
        Pwl(b.Silu, Enumerable.Range((int)b.Silu.In.Min, (int)(b.Silu.In.Max - b.Silu.In.Min + 1)).Select(q => (long)q));
    }

    [SimFact(Simulator.Icarus)]
    public void PwlExpAtEveryKnotItsNeighboursAndTheDomainEnds()
    {
        var e = Tiny.ModelOne.Blocks[0].Exp;
        Pwl(e, e.Knots.SelectMany(k => new[] { k - 1, k, k + 1 }).Concat([e.In.Min, e.In.Max, 0, -1, 1]).Where(q => q >= e.In.Min && q <= e.In.Max));
    }

    [SimFact(Simulator.Icarus)]
    public void GateAndResidualMatchTheReference()
    {
        foreach (var b in Tiny.ModelOne.Blocks.Concat(Tiny.ModelTwo.Blocks))
        {
            long[] ys = [b.Y.Min, b.Y.Max, 0, 1, -1, 77, -77], ss = [.. new[] { b.Silu.Lo, b.Silu.Hi, 0, 1, -1, 5 }.Where(v => v >= b.Silu.Lo && v <= b.Silu.Hi)];
            var vec = (from y in ys from s in ss select new[] { y, s }).ToList();
            int gs = b.Y.Frac + b.Silu.Out.Frac - b.Gate.Frac;
            // At the widths the generated top uses: y at its domain's bits, s at SiLU's clamp range.
            int sw = Widths.Of([b.Silu.Lo, b.Silu.Hi]);
            var got = OpHarness.Run("em_gate", $"#(.YW({b.Y.Bits}), .SW({sw}), .SHIFT({Hex.Literal(gs, 8)}), .BITS({b.Gate.Bits}))", [("y", b.Y.Bits), ("s", sw)], vec, outBits: b.Gate.Bits);
            for (int i = 0; i < vec.Count; i++) Assert.Equal(Reference.Gate(b, vec[i][0], vec[i][1]), got[i]);

            Domain xd = b.Norm.In, od = b.OutProj.Out;
            long[] xs = [xd.Min, xd.Max, 0, 1, -1, 3], os = [od.Min, od.Max, 0, 1, -1, -3];
            var rv = (from x in xs from o in os select new[] { x, o }).ToList();
            int fx = xd.Frac, fo = od.Frac, mf = Math.Max(fx, fo);
            var rg = OpHarness.Run("em_residual", $"#(.XW({xd.Bits}), .OW({od.Bits}), .X_LEFT({Hex.Literal(mf - fx, 8)}), .O_LEFT({Hex.Literal(mf - fo, 8)}), .SHIFT({Hex.Literal(mf - b.Residual.Frac, 8)}), .BITS({b.Residual.Bits}))", [("x", xd.Bits), ("o", od.Bits)], rv, outBits: b.Residual.Bits);
            for (int i = 0; i < rv.Count; i++) Assert.Equal(Reference.Residual(b, rv[i][0], rv[i][1]), rg[i]);
        }
    }
}
