using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using EMamba.Core.Integer;
using static EMamba.Engine.Fast.LaneOps;

namespace EMamba.Engine.Fast;

/// <summary>Range norm (doc §5) on G samples at once: IntOps.RangeNormT and Reference.RangeNorm per lane (the
/// reciprocal is a per-lane gather, the product c RECIP is formed in int64 lanes). |c_i| = |sum_j (x_i - x_j)| &lt;= (D-1) r, so |c_i RECIP[r]| is bounded by the
/// largest (D-1) r RECIP[r] over the ranges the input can have, checked at Prepare.</summary>
internal sealed unsafe class LaneNorm
{
    private readonly int _d, _lo, _hi;
    private readonly int[] _gamma, _beta;
    private readonly Shift _tShift, _yShift;
    private readonly LaneTable _recip;
    public readonly CodeRange OutRange;
    public int Width => _d;

    public LaneNorm(IntRangeNorm n, CodeRange x, Int32Proof proof)
    {
        _d = n.Width;
        _tShift = new(IntOps.NormRecipFrac(n.In.Bits) - IntOps.NormTFrac); _yShift = new(IntOps.NormTFrac + n.GammaFrac - n.Out.Frac);
        long rMax = x.Hi - x.Lo;
        proof.Fit((Int128)2 * _d * x.MaxAbs, n.Name + " D x - sum");
        _recip = LaneTable.Recip(n, rMax, proof);
        Int128 prod = 0;
        for (long r = 1; r <= Math.Min(rMax, n.Recip.Length - 1); r++) prod = Int128.Max(prod, (Int128)(_d - 1) * r * n.Recip[r]);
        // c RECIP is up to about 2^(16 + B) for B-bit inputs (2^32 for the s16 residual): formed in int64 lanes.
        proof.Require(n.Recip.All(v => v <= int.MaxValue), n.Name + ": reciprocal wider than int32");
        var t = proof.Shifted64(prod, _tShift, n.Name + " t");
        long gMax = n.Gamma.Length == 0 ? 0 : n.Gamma.Max(v => Math.Abs((long)v)), bMax = n.Beta.Length == 0 ? 0 : n.Beta.Max(Math.Abs);
        proof.Shifted(proof.Fit(t * gMax + bMax, n.Name + " t gamma + beta"), _yShift, n.Name + " output");
        _gamma = [.. n.Gamma.Select(v => (int)v)];
        _beta = [.. n.Beta.Select(v => (int)Math.Clamp(v, int.MinValue, int.MaxValue))];
        OutRange = proof.Codes(n.Out, n.Name);
        _lo = (int)Math.Max(OutRange.Lo, int.MinValue); _hi = (int)Math.Min(OutRange.Hi, int.MaxValue);
    }

    /// <summary>x: (D, G) -> y: (D, G).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run<TL, TV>(Span<int> x, Span<int> y) where TL : ILanes<TV> where TV : struct
    {
        int g = TL.Count;
        ref int xr = ref x[0], yr = ref y[0];
        TV sum = TL.Splat(0), mx = TL.Splat(int.MinValue), mn = TL.Splat(int.MaxValue);
        for (int i = 0; i < _d; i++)
        {
            var v = TL.Load(ref Unsafe.Add(ref xr, i * g));
            sum = TL.Add(sum, v); mx = TL.Max(mx, v); mn = TL.Min(mn, v);
        }
        TV k = TL.Gather(_recip.Origin, TL.Sub(mx, mn)), d = TL.Splat(_d);
        for (int i = 0; i < _d; i++)
        {
            var c = TL.Sub(TL.Mul(d, TL.Load(ref Unsafe.Add(ref xr, i * g))), sum);      // D x_i - sum, exact
            var t = TL.MulShift64(c, k, _tShift.L, _tShift.Rnd, _tShift.R);               // Q14
            var o = Apply<TL, TV>(TL.Add(TL.Mul(t, TL.Splat(_gamma[i])), TL.Splat(_beta[i])), _yShift);
            TL.Store(Clamp<TL, TV>(o, _lo, _hi), ref Unsafe.Add(ref yr, i * g));
        }
    }
}

/// <summary>One eMamba block (doc §3) on G samples at once, every value an int32 lane proved exact at Prepare
/// (<see cref="Int32Proof"/>): Reference.Block's arithmetic per lane, with the selective scan vectorised across
/// the samples of the group (one vector per channel and state index), A_bar read from a (channel, Delta) table and
/// the SiLU units as byte permutes or gathers.</summary>
internal sealed unsafe class LaneBlock
{
    public readonly LaneNorm Norm;
    public readonly LaneLinear InProj, XProj, DtProj, OutProj;
    public readonly CodeRange OutRange;
    private readonly int _din, _n, _r, _k;
    private readonly int[] _cw, _cb, _dSkip;          // conv (Din, K), conv bias (Din), D (Din)
    private readonly Shift[] _cs;                      // conv requantization (Din)
    private readonly LaneTable? _convSilu;
    private readonly LaneTable _silu;
    private readonly LaneByteTable? _convSiluBytes, _siluBytes;   // the same tables as byte permutes (16 lanes, VBMI)
    private readonly LaneTable _abar;      // (Din, Delta codes, ceil(N/2)): A_bar of states 2j, 2j+1 as two uint16 in one int
    private readonly int _deltaCodes, _statePairs;
    private readonly Shift _bxRound, _dAlign, _yShift, _gShift, _xAlign, _oAlign, _rShift;
    private readonly int _hRnd, _hPre, _bxLeft, _hPost;    // the state update's shifts, split so that int32 holds it (see the constructor)
    private readonly int _ucLo, _ucHi, _hMin, _hMax, _yLo, _yHi, _gLo, _gHi, _rLo, _rHi;

    public LaneBlock(IntBlock b, CodeRange x, Int32Proof proof)
    {
        string p = $"blocks.{b.Index}.";
        _din = b.DInner; _n = b.DState; _r = b.DtRank; _k = b.Conv.Kernel;
        Norm = new LaneNorm(b.Norm, x, proof);
        InProj = new LaneLinear(b.InProj, Norm.OutRange, proof);
        // doc §6: |acc| <= max|u0| sum_k |w_ck| + |b_c| per channel.
        var cv = b.Conv;
        proof.Require(cv.Mult.All(m => m == 1), $"{cv.Name}: a real-valued multiplier needs 64 bits");
        _cw = [.. cv.Weight.Select(w => (int)w)];
        _cb = [.. cv.Bias.Select(v => (int)Math.Clamp(v, int.MinValue, int.MaxValue))];
        _cs = [.. cv.Shift.Select(s => new Shift(s))];
        for (int c = 0; c < _din; c++)
        {
            long sw = 0;
            for (int j = 0; j < _k; j++) sw += Math.Abs((long)cv.Weight[c * _k + j]);
            proof.Shifted(proof.Fit((Int128)InProj.OutRange.MaxAbs * sw + Math.Abs(cv.Bias[c]), $"{cv.Name} channel {c}"), _cs[c], $"{cv.Name} channel {c}");
        }
        var uc = proof.Codes(cv.Out, cv.Name);
        (_ucLo, _ucHi) = ((int)Math.Max(uc.Lo, int.MinValue), (int)Math.Min(uc.Hi, int.MaxValue));
        _convSilu = b.ConvSilu is { } cs ? LaneTable.Pwl(cs, uc, proof) : null;
        _convSiluBytes = _convSilu is { } ct && proof.Refusal is null ? LaneByteTable.TryBuild(ct, uc) : null;
        var u = _convSilu?.Values ?? uc;
        XProj = new LaneLinear(b.XProj, u, proof);
        DtProj = new LaneLinear(b.DtProj, XProj.OutRange, proof);
        var bc = XProj.OutRange;

        // doc §8-§9: A_bar_ck = PWL exp(max(-RoundShift(Delta_c a_ck), e_min)) depends on channel, state and the
        // Delta code only, and Delta is a small unsigned code (u8: 256): one table row per (c, Delta) holds every
        // state's A_bar, computed with IntOps, so the scan gathers N/2 ints per channel instead of running
        // Delta a, the shift and an exp lookup per state. Two uint16 A_bar share an int (1.0 = 2^15 fits).
        var dl = DtProj.OutRange;
        proof.Require(dl.Lo >= 0 && (Int128)(dl.Hi + 1) * _din * ((_n + 1) / 2) <= LaneTable.MaxEntries,
            $"{p}scan: Delta codes [{dl.Lo}, {dl.Hi}] give too large an A_bar table");
        _deltaCodes = (int)Math.Min(dl.Hi + 1, int.MaxValue); _statePairs = (_n + 1) / 2;
        int eShift = b.DtProj.Out.Frac + b.A.Frac - b.ExpIn.Frac, codes = _deltaCodes, pairs = _statePairs, n = _n;
        long AbarOf(int c, int k, long delta) => k >= n ? 0 : IntOps.Pwl(Math.Max(-IntOps.RoundShift(delta * b.ANeg[c * n + k], eShift), b.ExpIn.Min), b.Exp);
        long abarMax = 0;
        _abar = LaneTable.Of(proof.Refusal is null ? (long)_din * codes * pairs : 1, i =>
        {
            int c = (int)(i / ((long)codes * pairs)), delta = (int)(i / pairs % codes), j = (int)(i % pairs);
            long lo = AbarOf(c, 2 * j, delta), hi = AbarOf(c, 2 * j + 1, delta);
            proof.Require(lo is >= 0 and <= ushort.MaxValue && hi is >= 0 and <= ushort.MaxValue, $"{p}A_bar outside uint16");
            abarMax = Math.Max(abarMax, Math.Max(lo, hi));
            return (int)(lo | hi << 16);
        }, p + "A_bar", proof);
        Domain hs = b.State;
        // doc §10: |A_bar h + Align(Delta B u)| <= max A_bar 2^(B_h-1) + the aligned term's bound.
        int bxFrac = b.DtProj.Out.Frac + b.B.Frac + b.U.Frac, accFrac = b.Exp.Out.Frac + hs.Frac, yAccFrac = b.C.Frac + hs.Frac;
        // h = RoundShift(A_bar h + Align(bx), f_Abar) with Align a left shift by L (the default: bx 22 bits << 10) has
        // a 33-bit sum. Exactly the same value, floor division being nested: with m = min(L, f_Abar),
        // ((A_bar h + 2^(f_Abar-1)) >> m + bx << (L - m)) >> (f_Abar - m), every term within int32.
        // A right-shifting Align rounds bx first, as the reference does, and L = 0.
        int align = bxFrac - accFrac, left = Math.Max(-align, 0), fab = b.Exp.Out.Frac;
        _bxRound = new(Math.Max(align, 0));
        _hPre = Math.Min(left, fab); _bxLeft = left - _hPre; _hPost = fab - _hPre;
        proof.Require(fab >= 1 && fab < 31 && _bxLeft < 31, p + "h: shifts outside an int32 lane");
        _hRnd = fab >= 1 ? 1 << (fab - 1) : 0;
        long hAbs = 1L << (hs.Bits - 1);
        proof.Require(hs.Bits <= 32, p + "h is wider than int32");
        _hMin = (int)Math.Max(-hAbs, int.MinValue); _hMax = (int)Math.Min(hAbs - 1, int.MaxValue);
        var du = proof.Fit((Int128)dl.MaxAbs * u.MaxAbs, p + "Delta u");
        var bx = proof.Shifted(proof.Fit(du * bc.MaxAbs, p + "Delta B u"), _bxRound, p + "rounded Delta B u");
        var ah = proof.Fit((Int128)abarMax * hAbs + _hRnd, p + "A_bar h");
        proof.Fit((ah >> _hPre) + 1 + (bx << _bxLeft), p + "A_bar h + Delta B u");
        // doc §11: |sum_k C_k h_k + Align(D u)| <= N max|C| 2^(B_h-1) + the aligned D u bound.
        _dAlign = new(b.DFrac + b.U.Frac - yAccFrac); _yShift = new(yAccFrac - b.Y.Frac);
        _dSkip = [.. b.DSkip.Select(v => (int)v)];
        long dMax = b.DSkip.Length == 0 ? 0 : b.DSkip.Max(v => Math.Abs((long)v));
        var dA = proof.Shifted(proof.Fit((Int128)dMax * u.MaxAbs, p + "D u"), _dAlign, p + "aligned D u");
        proof.Shifted(proof.Fit((Int128)_n * bc.MaxAbs * hAbs + dA, p + "C h + D u"), _yShift, p + "y");
        var y = proof.Codes(b.Y, p + "y");
        (_yLo, _yHi) = ((int)Math.Max(y.Lo, int.MinValue), (int)Math.Min(y.Hi, int.MaxValue));
        // doc §12: |y s| <= max|y| max|s|.
        _silu = LaneTable.Pwl(b.Silu, InProj.OutRange, proof);
        _siluBytes = proof.Refusal is null ? LaneByteTable.TryBuild(_silu, InProj.OutRange) : null;
        _gShift = new(b.Y.Frac + b.Silu.Out.Frac - b.Gate.Frac);
        proof.Shifted(proof.Fit((Int128)y.MaxAbs * _silu.Values.MaxAbs, p + "y s"), _gShift, p + "g");
        var g = proof.Codes(b.Gate, p + "g");
        (_gLo, _gHi) = ((int)Math.Max(g.Lo, int.MinValue), (int)Math.Min(g.Hi, int.MaxValue));
        OutProj = new LaneLinear(b.OutProj, g, proof);
        // doc §14: both aligned operands and their sum.
        int fx = b.Norm.In.Frac, fo = b.OutProj.Out.Frac, m = Math.Max(fx, fo);
        _xAlign = new(fx - m); _oAlign = new(fo - m); _rShift = new(m - b.Residual.Frac);
        var xa = proof.Shifted(x.MaxAbs, _xAlign, p + "aligned x");
        var oa = proof.Shifted(OutProj.OutRange.MaxAbs, _oAlign, p + "aligned o");
        proof.Shifted(proof.Fit(xa + oa, p + "x + o"), _rShift, p + "r");
        OutRange = proof.Codes(b.Residual, p + "r");
        (_rLo, _rHi) = ((int)Math.Max(OutRange.Lo, int.MinValue), (int)Math.Min(OutRange.Hi, int.MaxValue));
    }

    /// <summary>x: (D, G) -> r: (D, G) in place at token t, advancing the conv history and h in <paramref name="s"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Step<TL, TV>(Span<int> x, int t, LaneWorkspace w, LaneWorkspace.BlockState s) where TL : ILanes<TV> where TV : struct
    {
        int g = TL.Count, din = _din;
        Norm.Run<TL, TV>(x, w.N);                                              // (D, G)
        InProj.Run<TL, TV>(w.N, 0, w.Uz, w.Pairs);                             // (2 Din, G) = [u0 | z]
        Conv<TL, TV>(w.Uz, t, s.History, w.U);                                 // (Din, G)
        if (_convSilu is { } cs) Lookup<TL, TV>(cs, _convSiluBytes, w.U, din);
        XProj.Run<TL, TV>(w.U, 0, w.Dbc, w.Pairs);                             // (R + 2N, G) = [dt | B | C]
        DtProj.Run<TL, TV>(w.Dbc, 0, w.Delta, w.Pairs);                        // (Din, G) unsigned: ReLU by saturation
        Scan<TL, TV>(s.H, w);                                                  // w.G holds y (Din, G)
        // doc §12: g = Gate.Clamp(RoundShift(y SiLU(z))).
        ref int yr = ref w.G[0], zr = ref w.Uz[din * g];
        for (int c = 0; c < din; c++)
        {
            var sv = Lookup<TL, TV>(_silu, _siluBytes, TL.Load(ref Unsafe.Add(ref zr, c * g)));
            ref int yc = ref Unsafe.Add(ref yr, c * g);
            TL.Store(Clamp<TL, TV>(Apply<TL, TV>(TL.Mul(TL.Load(ref yc), sv), _gShift), _gLo, _gHi), ref yc);
        }
        OutProj.Run<TL, TV>(w.G, 0, w.O, w.Pairs);                             // (D, G)
        ref int xr = ref x[0], or = ref w.O[0];
        for (int i = 0; i < Norm.Width; i++)
        {
            ref int xi = ref Unsafe.Add(ref xr, i * g);
            var sum = TL.Add(Apply<TL, TV>(TL.Load(ref xi), _xAlign), Apply<TL, TV>(TL.Load(ref Unsafe.Add(ref or, i * g)), _oAlign));
            TL.Store(Clamp<TL, TV>(Apply<TL, TV>(sum, _rShift), _rLo, _rHi), ref xi);
        }
    }

    // v = table[v] in place over (rows, G).
    private static void Lookup<TL, TV>(LaneTable table, LaneByteTable? bytes, Span<int> v, int rows) where TL : ILanes<TV> where TV : struct
    {
        int g = TL.Count;
        ref int vr = ref v[0];
        for (int i = 0; i < rows; i++) { ref int vi = ref Unsafe.Add(ref vr, i * g); TL.Store(Lookup<TL, TV>(table, bytes, TL.Load(ref vi)), ref vi); }
    }

    // table[q] per lane: byte permutes at 16 lanes where available (typeof is a JIT-time constant), else a gather.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Lookup<TL, TV>(LaneTable table, LaneByteTable? bytes, TV q) where TL : ILanes<TV> where TV : struct
    {
        if (typeof(TV) == typeof(Vector512<int>) && bytes != null)
            return Unsafe.BitCast<Vector512<int>, TV>(bytes.Lookup(Unsafe.BitCast<TV, Vector512<int>>(q)));
        return TL.Gather(table.Origin, q);
    }

    // doc §6. history (K-1, Din, G) is a ring: token tau's u0 sits in slot tau mod (K-1), so the window needs no
    // moves; slots of tokens before 0 were never written and hold the zeros the sequence starts with.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Conv<TL, TV>(Span<int> uz, int t, Span<int> history, Span<int> y) where TL : ILanes<TV> where TV : struct
    {
        int g = TL.Count, k = _k, kw = k - 1, din = _din;
        ref int ur = ref uz[0], yr = ref y[0];
        Span<int> slot = stackalloc int[Math.Max(kw, 1)];
        for (int j = 0; j < kw; j++) slot[j] = ((t - kw + j) % kw + kw) % kw * din * g;   // tap j: token t - (K-1) + j
        ref int hr = ref history.Length > 0 ? ref history[0] : ref ur;
        for (int c = 0; c < din; c++)
        {
            var u0 = TL.Load(ref Unsafe.Add(ref ur, c * g));
            TV acc = TL.Add(TL.Splat(_cb[c]), TL.Mul(TL.Splat(_cw[c * k + kw]), u0));
            for (int j = 0; j < kw; j++) acc = TL.Add(acc, TL.Mul(TL.Splat(_cw[c * k + j]), TL.Load(ref Unsafe.Add(ref hr, slot[j] + c * g))));
            TL.Store(Clamp<TL, TV>(Apply<TL, TV>(acc, _cs[c]), _ucLo, _ucHi), ref Unsafe.Add(ref yr, c * g));
            if (kw > 0) TL.Store(u0, ref Unsafe.Add(ref hr, slot[0] + c * g));   // slot of t = slot of t - (K-1), just read
        }
    }

    // doc §9-§11 per lane: h (Din, N, G) advanced, y (Din, G) into w.G.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Scan<TL, TV>(Span<int> h, LaneWorkspace w) where TL : ILanes<TV> where TV : struct
    {
        int g = TL.Count, n = _n, pairs = _statePairs;
        ref int hr = ref h[0], dr = ref w.Delta[0], ur = ref w.U[0], yr = ref w.G[0];
        ref int br = ref w.Dbc[_r * g], cr = ref w.Dbc[(_r + n) * g];
        // Every constant in a local: the stores through refs would otherwise make the JIT reload the fields.
        TV hRnd = TL.Splat(_hRnd), bxRnd = TL.Splat((int)_bxRound.Rnd), hMin = TL.Splat(_hMin), hMax = TL.Splat(_hMax), rowInts = TL.Splat(pairs);
        int bxR = _bxRound.R, hPre = _hPre, bxLeft = _bxLeft, hPost = _hPost;
        int* abar = _abar.Origin;
        for (int c = 0; c < _din; c++)
        {
            var dl = TL.Load(ref Unsafe.Add(ref dr, c * g));
            var uc = TL.Load(ref Unsafe.Add(ref ur, c * g));
            var du = TL.Mul(dl, uc);                                                             // Delta u, formed once per channel
            var row = TL.Add(TL.Mul(dl, rowInts), TL.Splat(c * _deltaCodes * pairs));            // (c, Delta) row of A_bar pairs
            var yacc = Apply<TL, TV>(TL.Mul(TL.Splat(_dSkip[c]), uc), _dAlign);
            ref int hc = ref Unsafe.Add(ref hr, c * n * g);
            TV packed = TL.Splat(0);
            for (int k = 0; k < n; k++)
            {
                TV ab;
                if ((k & 1) == 0) { packed = TL.Gather(abar, TL.Add(row, TL.Splat(k >> 1))); ab = TL.And(packed, 0xFFFF); }
                else ab = TL.Srl(packed, 16);
                // Shifts by 0 are skipped: the test is on scalar ports, the vector ports are the bottleneck.
                var bx = TL.Mul(TL.Load(ref Unsafe.Add(ref br, k * g)), du);
                if (bxR != 0) bx = TL.Sra(TL.Add(bx, bxRnd), bxR);
                if (bxLeft != 0) bx = TL.Shl(bx, bxLeft);
                ref int hk = ref Unsafe.Add(ref hc, k * g);
                var ah = TL.Sra(TL.Add(TL.Mul(ab, TL.Load(ref hk)), hRnd), hPre);
                var hv = TL.Min(TL.Max(TL.Sra(TL.Add(ah, bx), hPost), hMin), hMax);
                TL.Store(hv, ref hk);
                yacc = TL.Add(yacc, TL.Mul(TL.Load(ref Unsafe.Add(ref cr, k * g)), hv));
            }
            TL.Store(Clamp<TL, TV>(Apply<TL, TV>(yacc, _yShift), _yLo, _yHi), ref Unsafe.Add(ref yr, c * g));
        }
    }


}
