using System.Runtime.CompilerServices;
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
/// the samples of the group (one vector per channel and state index) and the PWL units as gathers.</summary>
internal sealed unsafe class LaneBlock
{
    public readonly LaneNorm Norm;
    public readonly LaneLinear InProj, XProj, DtProj, OutProj;
    public readonly CodeRange OutRange;
    private readonly int _din, _n, _r, _k;
    private readonly int[] _cw, _cb, _a, _dSkip;      // conv (Din, K), conv bias (Din), a = -A (Din, N), D (Din)
    private readonly Shift[] _cs;                      // conv requantization (Din)
    private readonly LaneTable? _convSilu;
    private readonly LaneTable _silu, _exp;
    private readonly Shift _eShift, _bxRound, _dAlign, _yShift, _gShift, _xAlign, _oAlign, _rShift;
    private readonly int _hRnd, _hPre, _bxLeft, _hPost;    // the state update's shifts, split so that int32 holds it (see the constructor)
    private readonly int _ucLo, _ucHi, _eMin, _hMin, _hMax, _yLo, _yHi, _gLo, _gHi, _rLo, _rHi;

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
        var u = _convSilu?.Values ?? uc;
        XProj = new LaneLinear(b.XProj, u, proof);
        DtProj = new LaneLinear(b.DtProj, XProj.OutRange, proof);
        var bc = XProj.OutRange;

        // doc §9: Delta, a >= 0, so RoundShift(Delta a) >= 0 and e = max(-that, e_min) lies in [e_min, 0].
        var dl = DtProj.OutRange;
        proof.Require(dl.Lo >= 0 && b.ANeg.All(v => v >= 0 && v <= int.MaxValue), p + "scan: Delta and a must be unsigned");
        _a = [.. b.ANeg.Select(v => (int)Math.Clamp(v, 0, int.MaxValue))];
        long aMax = b.ANeg.Length == 0 ? 0 : b.ANeg.Max();
        Domain hs = b.State;
        _eShift = new(b.DtProj.Out.Frac + b.A.Frac - b.ExpIn.Frac);
        proof.Shifted(proof.Fit((Int128)dl.Hi * aMax, p + "Delta a"), _eShift, p + "e");
        proof.Require(b.ExpIn.Min <= 0, p + "e: an unsigned exp input cannot hold -(Delta a)");
        _eMin = (int)Math.Max(b.ExpIn.Min, int.MinValue);
        _exp = LaneTable.Pwl(b.Exp, new CodeRange(Math.Min(b.ExpIn.Min, 0), 0), proof);
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
        var ah = proof.Fit((Int128)_exp.Values.MaxAbs * hAbs + _hRnd, p + "A_bar h");
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
    public void Step<TL, TV>(Span<int> x, int t, LaneWorkspace w, LaneWorkspace.BlockState s) where TL : ILanes<TV> where TV : struct
    {
        int g = TL.Count, din = _din;
        Norm.Run<TL, TV>(x, w.N);                                              // (D, G)
        InProj.Run<TL, TV>(w.N, 0, w.Uz, w.Pairs);                             // (2 Din, G) = [u0 | z]
        Conv<TL, TV>(w.Uz, t, s.History, w.U);                                 // (Din, G)
        if (_convSilu is { } cs) Lookup<TL, TV>(cs, w.U, din);
        XProj.Run<TL, TV>(w.U, 0, w.Dbc, w.Pairs);                             // (R + 2N, G) = [dt | B | C]
        DtProj.Run<TL, TV>(w.Dbc, 0, w.Delta, w.Pairs);                        // (Din, G) unsigned: ReLU by saturation
        Scan<TL, TV>(s.H, w);                                                  // w.G holds y (Din, G)
        // doc §12: g = Gate.Clamp(RoundShift(y SiLU(z))).
        ref int yr = ref w.G[0], zr = ref w.Uz[din * g];
        for (int c = 0; c < din; c++)
        {
            var sv = TL.Gather(_silu.Origin, TL.Load(ref Unsafe.Add(ref zr, c * g)));
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
    private static void Lookup<TL, TV>(LaneTable table, Span<int> v, int rows) where TL : ILanes<TV> where TV : struct
    {
        int g = TL.Count;
        ref int vr = ref v[0];
        for (int i = 0; i < rows; i++) { ref int vi = ref Unsafe.Add(ref vr, i * g); TL.Store(TL.Gather(table.Origin, TL.Load(ref vi)), ref vi); }
    }

    // doc §6. history (K-1, Din, G) is a ring: token tau's u0 sits in slot tau mod (K-1), so the window needs no
    // moves; slots of tokens before 0 were never written and hold the zeros the sequence starts with.
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
    private void Scan<TL, TV>(Span<int> h, LaneWorkspace w) where TL : ILanes<TV> where TV : struct
    {
        int g = TL.Count, n = _n;
        ref int hr = ref h[0], dr = ref w.Delta[0], ur = ref w.U[0], yr = ref w.G[0];
        ref int br = ref w.Dbc[_r * g], cr = ref w.Dbc[(_r + n) * g];
        TV eMin = TL.Splat(_eMin), zero = TL.Splat(0), hRnd = TL.Splat(_hRnd);
        for (int c = 0; c < _din; c++)
        {
            var dl = TL.Load(ref Unsafe.Add(ref dr, c * g));
            var uc = TL.Load(ref Unsafe.Add(ref ur, c * g));
            var du = TL.Mul(dl, uc);                                                             // Delta u, formed once per channel
            var yacc = Apply<TL, TV>(TL.Mul(TL.Splat(_dSkip[c]), uc), _dAlign);
            for (int k = 0; k < n; k++)
            {
                var e = TL.Max(TL.Sub(zero, Apply<TL, TV>(TL.Mul(dl, TL.Splat(_a[c * n + k])), _eShift)), eMin);
                var abar = TL.Gather(_exp.Origin, e);
                var bx = Apply<TL, TV>(TL.Mul(TL.Load(ref Unsafe.Add(ref br, k * g)), du), _bxRound);
                ref int hk = ref Unsafe.Add(ref hr, (c * n + k) * g);
                var ah = TL.Sra(TL.Add(TL.Mul(abar, TL.Load(ref hk)), hRnd), _hPre);
                var hv = Clamp<TL, TV>(TL.Sra(TL.Add(ah, TL.Shl(bx, _bxLeft)), _hPost), _hMin, _hMax);
                TL.Store(hv, ref hk);
                yacc = TL.Add(yacc, TL.Mul(TL.Load(ref Unsafe.Add(ref cr, k * g)), hv));
            }
            TL.Store(Clamp<TL, TV>(Apply<TL, TV>(yacc, _yShift), _yLo, _yHi), ref Unsafe.Add(ref yr, c * g));
        }
    }
}
