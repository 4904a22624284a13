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

    /// <summary>A per-layer constant as the units take it: layer 0 in the low bits.</summary>
    private static string Pack(IEnumerable<long> v, int bits) => "{" + string.Join(", ", v.Reverse().Select(x => Hex.Literal(x, bits))) + "}";

    /// <summary>One em_pwl holding the tables of <paramref name="ps"/> (one per layer, padded as the generator
    /// pads them), each checked on its codes.</summary>
    private static void Pwl(IntPwl[] ps, Func<IntPwl, IEnumerable<long>> codes)
    {
        var vec = ps.SelectMany((p, l) => codes(p).Distinct().Select(q => new[] { l, q })).ToList();
        var (nk, knots, values, slopes) = TopWriter.PwlTables(ps);
        var roms = new Dictionary<string, string> { ["k.hex"] = Hex.Words(knots, 64), ["v.hex"] = Hex.Words(values, 64), ["s.hex"] = Hex.Words(slopes, 64) };
        string par = $"#(.LAYERS({ps.Length}), .NK({nk}), .BELOW({Pack(ps.Select(p => p.BelowSlope), 64)}), .ABOVE({Pack(ps.Select(p => p.AboveSlope), 64)}), .LO({Pack(ps.Select(p => p.Lo), 64)}), .HI({Pack(ps.Select(p => p.Hi), 64)}), .KNOTS(\"k.hex\"), .VALUES(\"v.hex\"), .SLOPES(\"s.hex\"))";
        var got = OpHarness.Run("em_pwl", par, [("layer", 8), ("q", 64)], vec, roms);
        for (int i = 0; i < vec.Count; i++)
        {
            var p = ps[(int)vec[i][0]];
            Assert.True(IntOps.Pwl(vec[i][1], p) == got[i], $"{p.Name} (layer {vec[i][0]} of {ps.Length})({vec[i][1]}): RTL {got[i]}, IntOps {IntOps.Pwl(vec[i][1], p)}");
        }
    }

    private static void Pwl(IntPwl p, IEnumerable<long> codes) => Pwl([p], _ => codes);

    /// <summary>Shared blocks: one unit holds two exp tables of 3 and all knots (the short one padded) and
    /// computes each layer's IntOps.Pwl at every knot, its neighbours and far past both ends.</summary>
    [SimFact(Simulator.Icarus)]
    public void PwlOfTwoLayersWithDifferentKnotCounts()
    {
        var e = Tiny.ModelOne.Blocks[0].Exp;
        var shortTable = e with { Name = "short", Knots = e.Knots[..3], Values = e.Values[..3], Slopes = e.Slopes[..2], AboveSlope = e.Slopes[2] + 3 };
        Pwl([shortTable, e], p => p.Knots.SelectMany(k => new[] { k - 1, k, k + 1 }).Concat([p.In.Min, p.In.Max, 0, -1, 1, p.Knots[^1] + 1000, p.Knots[0] - 1000]));
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
        foreach (var b in Tiny.ModelOne.Blocks.Concat(Tiny.ModelTwo.Blocks)) GateAndResidual([b]);
    }

    /// <summary>Shared blocks: one gate and one residual unit for both blocks of the two-block model, each layer's
    /// shifts picked by the layer input.</summary>
    [SimFact(Simulator.Icarus)]
    public void GateAndResidualOfTwoLayersMatchEachBlock() => GateAndResidual(Tiny.ModelTwo.Blocks);

    private static void GateAndResidual(IntBlock[] bs)
    {
        var b0 = bs[0];
        // At the widths the generated top uses: y at its domain's bits, s at SiLU's clamp range (the widest layer's).
        int sw = Widths.Of(bs.SelectMany(b => new[] { b.Silu.Lo, b.Silu.Hi }));
        var vec = bs.SelectMany((b, l) =>
        {
            long[] ys = [b.Y.Min, b.Y.Max, 0, 1, -1, 77, -77], ss = [.. new[] { b.Silu.Lo, b.Silu.Hi, 0, 1, -1, 5 }.Where(v => v >= b.Silu.Lo && v <= b.Silu.Hi)];
            return from y in ys from s in ss select new long[] { l, y, s };
        }).ToList();
        string gs = Pack(bs.Select(b => (long)(b.Y.Frac + b.Silu.Out.Frac - b.Gate.Frac)), 8);
        var got = OpHarness.Run("em_gate", $"#(.LAYERS({bs.Length}), .YW({b0.Y.Bits}), .SW({sw}), .SHIFT({gs}), .BITS({b0.Gate.Bits}))", [("layer", 8), ("y", b0.Y.Bits), ("s", sw)], vec, outBits: b0.Gate.Bits);
        for (int i = 0; i < vec.Count; i++) Assert.Equal(Reference.Gate(bs[(int)vec[i][0]], vec[i][1], vec[i][2]), got[i]);

        int xb = b0.Norm.In.Bits, ob = b0.OutProj.Out.Bits;
        var rv = bs.SelectMany((b, l) =>
        {
            Domain xd = b.Norm.In, od = b.OutProj.Out;
            long[] xs = [xd.Min, xd.Max, 0, 1, -1, 3], os = [od.Min, od.Max, 0, 1, -1, -3];
            return from x in xs from o in os select new long[] { l, x, o };
        }).ToList();
        int Mf(IntBlock b) => Math.Max(b.Norm.In.Frac, b.OutProj.Out.Frac);
        string xl = Pack(bs.Select(b => (long)(Mf(b) - b.Norm.In.Frac)), 8), ol = Pack(bs.Select(b => (long)(Mf(b) - b.OutProj.Out.Frac)), 8), rs = Pack(bs.Select(b => (long)(Mf(b) - b.Residual.Frac)), 8);
        var rg = OpHarness.Run("em_residual", $"#(.LAYERS({bs.Length}), .XW({xb}), .OW({ob}), .X_LEFT({xl}), .O_LEFT({ol}), .SHIFT({rs}), .BITS({b0.Residual.Bits}))", [("layer", 8), ("x", xb), ("o", ob)], rv, outBits: b0.Residual.Bits);
        for (int i = 0; i < rv.Count; i++) Assert.Equal(Reference.Residual(bs[(int)rv[i][0]], rv[i][1], rv[i][2]), rg[i]);
    }
}
