using EMamba.Core.Integer;
using static EMamba.Core.Integer.IntOps;

namespace EMamba.Engine.Fast;

/// <summary>One eMamba block (doc §3) prepared for the fast path: SIMD linears, tabulated PWL units,
/// and the scan's shifts computed once. <see cref="Step"/> is Reference.Block's arithmetic, in place on
/// preallocated buffers.</summary>
internal sealed class FastBlock
{
    public readonly IntBlock B;
    public readonly FastNorm Norm;
    public readonly FastLinear InProj, XProj, DtProj, OutProj;
    private readonly FastPwl? _convSilu;
    private readonly FastPwl _silu, _exp;
    private readonly Shift _eShift, _bxAlign, _abFrac, _dAlign, _yShift, _gShift, _xAlign, _oAlign, _rShift;
    private readonly int _hBits;
    private readonly long _eMin, _hMin, _hMax;
    public int DInner => B.DInner;

    public FastBlock(IntBlock b)
    {
        B = b;
        Norm = new FastNorm(b.Norm);
        InProj = new FastLinear(b.InProj); XProj = new FastLinear(b.XProj); DtProj = new FastLinear(b.DtProj); OutProj = new FastLinear(b.OutProj);
        // Tables over the codes the producer can emit (its saturation range).
        _convSilu = b.ConvSilu is { } cs ? new FastPwl(cs, b.Conv.Out) : null;
        _silu = new FastPwl(b.Silu, b.InProj.Out);
        // e = max(-RoundShift(Delta a), e_min) with Delta, a >= 0: e lies in [e_min, 0].
        _eMin = b.ExpIn.Min;
        _exp = new FastPwl(b.Exp, _eMin, 0);
        Domain dl = b.DtProj.Out, hs = b.State;
        _eShift = new(dl.Frac + b.A.Frac - b.ExpIn.Frac);
        int bxFrac = dl.Frac + b.B.Frac + b.U.Frac, accFrac = b.Exp.Out.Frac + hs.Frac, yAccFrac = b.C.Frac + hs.Frac;
        _bxAlign = new(bxFrac - accFrac); _abFrac = new(b.Exp.Out.Frac); _hBits = hs.Bits;
        _hMin = -(1L << (_hBits - 1)); _hMax = (1L << (_hBits - 1)) - 1;                 // Sat(., B_h)
        _dAlign = new(b.DFrac + b.U.Frac - yAccFrac); _yShift = new(yAccFrac - b.Y.Frac);
        _gShift = new(b.Y.Frac + b.Silu.Out.Frac - b.Gate.Frac);
        int fx = b.Norm.In.Frac, fo = b.OutProj.Out.Frac, m = Math.Max(fx, fo);
        _xAlign = new(fx - m); _oAlign = new(fo - m); _rShift = new(m - b.Residual.Frac);
    }

    /// <summary>x: (D) -> r: (D) in place, advancing this block's window and state in <paramref name="s"/>.</summary>
    public void Step(Span<long> x, FastWorkspace w, FastWorkspace.BlockState s)
    {
        var b = B;
        int din = b.DInner, n = b.DState, r = b.DtRank, d = x.Length;
        var vw = w.Width;
        Span<long> nrm = w.N.AsSpan(0, d), uz = w.Uz.AsSpan(0, 2 * din), u = w.U.AsSpan(0, din), dbc = w.Dbc.AsSpan(0, r + 2 * n),
            delta = w.Delta.AsSpan(0, din), g = w.G.AsSpan(0, din), o = w.O.AsSpan(0, d);
        Norm.Run(x, nrm);                                                   // (D)
        InProj.Run(nrm, 0, uz, w.Xs, vw, w.Acc);                            // (2 Din) = [u0 | z]
        Conv(uz[..din], s.Window, u);                                       // (Din)
        if (_convSilu is { } cs) for (int c = 0; c < din; c++) u[c] = cs[u[c]];
        XProj.Run(u, 0, dbc, w.Xs, vw, w.Acc);                              // (R + 2N) = [dt | B | C]
        DtProj.Run(dbc[..r], 0, delta, w.Xs, vw, w.Acc);                    // (Din) unsigned: ReLU by saturation
        Scan(s.H, delta, dbc.Slice(r, n), dbc.Slice(r + n, n), u, g);     // g holds y (Din)
        var z = uz.Slice(din, din);
        for (int c = 0; c < din; c++) g[c] = b.Gate.Clamp(_gShift.Apply(g[c] * _silu[z[c]]));
        OutProj.Run(g, 0, o, w.Xs, vw, w.Acc);                              // (D)
        var res = b.Residual;
        for (int i = 0; i < d; i++) x[i] = res.Clamp(_rShift.Apply(_xAlign.Apply(x[i]) + _oAlign.Apply(o[i])));
    }

    // doc §6; window (Din, K-1), oldest first, advanced by this token.
    private void Conv(ReadOnlySpan<long> u0, long[] window, Span<long> y)
    {
        var cv = B.Conv;
        int k = cv.Kernel, kw = k - 1;
        var wt = cv.Weight;
        for (int c = 0; c < cv.Channels; c++)
        {
            long acc = cv.Bias[c];
            int o = c * kw;
            for (int j = 0; j < kw; j++) acc += wt[c * k + j] * window[o + j];
            acc += wt[c * k + kw] * u0[c];
            y[c] = cv.Out.Clamp(RoundShift(acc * cv.Mult[c], cv.Shift[c]));
            for (int j = 0; j + 1 < kw; j++) window[o + j] = window[o + j + 1];
            if (kw > 0) window[o + kw - 1] = u0[c];
        }
    }

    // doc §9-§11: h (Din, N) advanced, y (Din). Delta u is formed once per channel (exact: integer products commute).
    private void Scan(long[] h, ReadOnlySpan<long> delta, ReadOnlySpan<long> bm, ReadOnlySpan<long> cm, ReadOnlySpan<long> u, Span<long> y)
    {
        var b = B;
        int din = b.DInner, n = b.DState;
        var a = b.ANeg; var ydom = b.Y;
        Shift es = _eShift, bs = _bxAlign, abs = _abFrac;
        long eMin = _eMin, hMin = _hMin, hMax = _hMax;
        var exp = _exp;
        for (int c = 0; c < din; c++)
        {
            long dl = delta[c], du = dl * u[c], yacc = 0;
            var ac = a.AsSpan(c * n, n); var hc = h.AsSpan(c * n, n);
            for (int k = 0; k < hc.Length; k++)
            {
                long ek = Math.Max(-es.Apply(dl * ac[k]), eMin);
                long abar = exp[ek];
                long hk = Math.Clamp(abs.Apply(abar * hc[k] + bs.Apply(bm[k] * du)), hMin, hMax);
                hc[k] = hk;
                yacc += cm[k] * hk;
            }
            yacc += _dAlign.Apply(b.DSkip[c] * u[c]);
            y[c] = ydom.Clamp(_yShift.Apply(yacc));
        }
    }
}
