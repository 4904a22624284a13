using EMamba.Core.Integer;

namespace EMamba.Hardware.Cost;

/// <summary>What an operation of the energy model is (docs/cost.md): a multiply of an a-bit by a b-bit
/// operand, an add (or compare) of b bits, or a read / write of b bits from an on-chip memory.</summary>
public enum OpKind { Mul, Add, MemRead, MemWrite }

/// <summary>One line of the count: the unit family it belongs to, the kind and operand widths, and how
/// many per inference.</summary>
public readonly record struct OpCount(string Unit, OpKind Kind, int BitsA, int BitsB, long Count);

/// <summary>The operations of one inference at the widths docs/integer.md gives them, per unit family. Memory
/// accesses follow the generated design: every weight read once per token, every activation written
/// once and read by each reader pass (a linear unit reads its input once per row group).</summary>
public static class OpCounts
{
    /// <summary>Accumulators are counted at 32 bits: docs/integer.md §2 bounds them below 2^31 for int8 weights.</summary>
    public const int AccBits = 32;

    public static List<OpCount> Of(IntModel m, AcceleratorConfig c)
    {
        if (m.Embed is not { } embed || m.Head is not { } head) throw new ArgumentException("the cost model covers vision / radar models", nameof(m));
        var ops = new List<OpCount>();
        long t = m.Tokens;
        void Add(string unit, OpKind k, int a, int b, long n) { if (n > 0) ops.Add(new OpCount(unit, k, a, b, n)); }

        void Linear(IntLinear l, long times)
        {
            long macs = (long)l.InFeatures * l.OutFeatures * times;
            int rows = c.RowsFor(l.InFeatures, l.OutFeatures);
            Add("linear", OpKind.Mul, 8, l.In.Bits, macs);
            Add("linear", OpKind.Add, AccBits, AccBits, macs);
            long scaled = l.Mult.Count(x => x != 1) * times;   // power-of-two rows need only a shifter
            Add("linear", OpKind.Mul, AccBits, AccBits, scaled);
            Add("weights", OpKind.MemRead, 8, 8, macs);
            Add("activations", OpKind.MemRead, l.In.Bits, l.In.Bits, (long)l.InFeatures * Pipeline.Ceil(l.OutFeatures, rows) * times);
            Add("activations", OpKind.MemWrite, l.Out.Bits, l.Out.Bits, (long)l.OutFeatures * times);
        }

        void Norm(IntRangeNorm n, long times)
        {
            long d = n.Width * times;
            Add("norm", OpKind.Add, n.In.Bits + 8, n.In.Bits + 8, 3 * d);           // sum, max, min
            Add("norm", OpKind.Mul, n.In.Bits + 8, 32, d);                          // (D x - sum) x recip
            if (c.NormReciprocal == NormReciprocal.Divider)
                Add("norm", OpKind.Add, Pipeline.DividerBits(n), Pipeline.DividerBits(n), Pipeline.QuotientBits(n) * times);   // a compare-subtract per quotient bit
            else Add("reciprocal", OpKind.MemRead, Widths.Of(n.Recip), Widths.Of(n.Recip), times);                 // RECIP[r] from its ROM
            Add("norm", OpKind.Mul, 16, 8, d);                                      // t x gamma
            Add("norm", OpKind.Add, AccBits, AccBits, 2 * d);                       // D x - sum, + beta
            Add("activations", OpKind.MemRead, n.In.Bits, n.In.Bits, 2 * d);        // two passes
            Add("activations", OpKind.MemWrite, n.Out.Bits, n.Out.Bits, d);
        }

        void Pwl(IntPwl p, string unit, long n)
        {
            Add(unit, OpKind.Add, p.In.Bits, p.In.Bits, n * (p.Knots.Length - 1));   // one comparator per knot
            Add(unit, OpKind.Mul, p.In.Bits + 1, 17, n);                            // (q - k) x slope (Q16)
            Add(unit, OpKind.Add, AccBits, AccBits, n);
        }

        Linear(embed, t);
        Add("activations", OpKind.MemWrite, m.Input.Bits, m.Input.Bits, embed.InFeatures * t);   // the input buffer
        foreach (var b in m.Blocks)
        {
            int din = b.DInner, n = b.DState;
            Norm(b.Norm, t);
            Linear(b.InProj, t);
            long conv = (long)din * b.Conv.Kernel * t;
            Add("conv", OpKind.Mul, 8, b.U0.Bits, conv);
            Add("conv", OpKind.Add, AccBits, AccBits, conv);
            Add("activations", OpKind.MemRead, b.U0.Bits, b.U0.Bits, din * t);
            Add("conv", OpKind.MemRead, b.U0.Bits, b.U0.Bits, (long)din * (b.Conv.Kernel - 1) * t);   // the window
            Add("conv", OpKind.MemWrite, b.U0.Bits, b.U0.Bits, din * t);
            Add("activations", OpKind.MemWrite, b.U.Bits, b.U.Bits, din * t);
            if (b.ConvSilu is { } cs) Pwl(cs, "pwl", din * t);
            Linear(b.XProj, t);
            Linear(b.DtProj, t);
            long pairs = (long)din * n * t;
            Add("scan", OpKind.Mul, b.DtProj.Out.Bits, b.A.Bits, pairs);           // Delta a
            Pwl(b.Exp, "pwl", pairs);                                               // A_bar
            Add("scan", OpKind.Mul, b.Exp.Out.Bits, b.State.Bits, pairs);          // A_bar h
            Add("scan", OpKind.Mul, b.DtProj.Out.Bits, b.B.Bits, pairs);           // Delta B
            Add("scan", OpKind.Mul, b.DtProj.Out.Bits + b.B.Bits, b.U.Bits, pairs); // (Delta B) u
            Add("scan", OpKind.Add, AccBits + 8, AccBits + 8, pairs);               // the wide state sum
            Add("scan", OpKind.Mul, b.C.Bits, b.State.Bits, pairs);                // C h
            Add("scan", OpKind.Add, AccBits + 8, AccBits + 8, pairs);               // the readout sum
            Add("scan", OpKind.MemRead, b.State.Bits, b.State.Bits, pairs);         // h
            Add("scan", OpKind.MemWrite, b.State.Bits, b.State.Bits, pairs);
            Add("scan", OpKind.Mul, 8, b.U.Bits, din * t);                          // D u
            Add("activations", OpKind.MemRead, b.DtProj.Out.Bits, b.DtProj.Out.Bits, din * t);
            Add("activations", OpKind.MemRead, b.U.Bits, b.U.Bits, din * t);
            Add("activations", OpKind.MemRead, b.B.Bits, b.B.Bits, (long)n * Pipeline.Ceil(din, c.SsmLanes) * t);
            Add("activations", OpKind.MemRead, b.C.Bits, b.C.Bits, (long)n * Pipeline.Ceil(din, c.SsmLanes) * t);
            Pwl(b.Silu, "pwl", din * t);
            Add("gate", OpKind.Mul, b.Y.Bits, b.Silu.Out.Bits, din * t);
            Add("activations", OpKind.MemRead, b.Z.Bits, b.Z.Bits, din * t);
            Add("activations", OpKind.MemWrite, b.Gate.Bits, b.Gate.Bits, din * t);
            Linear(b.OutProj, t);
            Add("residual", OpKind.Add, b.Residual.Bits + 1, b.Residual.Bits + 1, m.Config.DModel * t);
            Add("activations", OpKind.MemRead, b.Norm.In.Bits, b.Norm.In.Bits, m.Config.DModel * t);
        }
        Norm(m.FinalNorm, t);
        Add("pool", OpKind.Add, AccBits, AccBits, m.Config.DModel * t);
        Linear(head, 1);
        return ops;
    }
}
