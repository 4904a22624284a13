using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace EMamba.Training;

/// <summary>The selective scan on plain float arrays: forward keeps every state for the backward.
/// Work is split over the batch only, and each batch row walks its channels in order, so every
/// reduction (dB, dC over channels; dA, dD over the batch via per-row partials) has a fixed order
/// and results are identical run to run whatever the thread scheduling. Inner loops run over the
/// state dimension N in 8-wide vectors with a scalar tail.</summary>
internal static unsafe class ScanKernel
{
    /// <summary>Shapes: u, delta (Bt,L,D); A (D,N) when abar is null, else abar (Bt,L,D,N);
    /// Bm, Cm (Bt,L,N); Dv (D); h0 (Bt,D,N) or null. Writes y (Bt,L,D), states hs (Bt,D,L,N)
    /// and hLast (Bt,D,N).</summary>
    public static void Forward(int bt, int L, int D, int N, ScanPointers p)
    {
        Parallel.For(0, bt, () => new float[L * N + N], (b, _, buf) =>
        {
            float* pu = p.U, pdl = p.Delta, pB = p.B, pC = p.C, ph = p.States, py = p.Y, h0 = p.H0, Dv = p.Dv;
            fixed (float* pa = buf)
            {
                float* zero = pa + L * N;
                for (int d = 0; d < D; d++)
                {
                    Decay(b, d, L, D, N, p, pa);
                    float* h = ph + ((long)b * D + d) * L * N;
                    float* prev = zero;
                    if (h0 != null) new Span<float>(h0 + (b * D + d) * N, N).CopyTo(new Span<float>(zero, N)); else new Span<float>(zero, N).Clear();
                    float dd = Dv[d];
                    for (int t = 0; t < L; t++)
                    {
                        int i = (b * L + t) * D + d, bn = (b * L + t) * N;
                        float du = pdl[i] * pu[i];
                        float* ht = h + t * N, at = pa + t * N, bt_ = pB + bn, ct = pC + bn;
                        var vdu = Vector256.Create(du);
                        var vacc = Vector256<float>.Zero;
                        int n = 0;
                        for (; n <= N - 8; n += 8)
                        {
                            var v = Vector256.Load(at + n) * Vector256.Load(prev + n) + vdu * Vector256.Load(bt_ + n);
                            v.Store(ht + n);
                            vacc += Vector256.Load(ct + n) * v;
                        }
                        float acc = Vector256.Sum(vacc);
                        for (; n < N; n++)
                        {
                            float v = at[n] * prev[n] + du * bt_[n];
                            ht[n] = v;
                            acc += ct[n] * v;
                        }
                        py[i] = acc + dd * pu[i];
                        prev = ht;
                    }
                    new Span<float>(prev, N).CopyTo(new Span<float>(p.HLast + (b * D + d) * N, N));
                }
            }
            return buf;
        }, _ => { });
    }

    /// <summary>Gradients of the forward above. dA (D,N) and dAbar (Bt,L,D,N) are filled for the
    /// fused and the precomputed-decay variant respectively; the other is null.</summary>
    public static void Backward(int bt, int L, int D, int N, ScanPointers p, GradPointers q)
    {
        bool fused = p.A != null;
        var dAPart = new float[fused ? bt * D * N : 1];
        var dDPart = new float[bt * D];
        Parallel.For(0, bt, () => new float[L * N + 2 * N], (b, _, buf) =>
        {
            float* pu = p.U, pdl = p.Delta, pB = p.B, pC = p.C, ph = p.States, pdy = q.Dy, pdB = q.B, pdC = q.C,
                   pdu = q.U, pdd = q.Delta, pA = p.A, pdAbar = q.Abar, h0 = p.H0, Dv = p.Dv;
            fixed (float* pa = buf, pdAP = dAPart)
            {
                float* g = pa + L * N, first = g + N;
                for (int d = 0; d < D; d++)
                {
                    Decay(b, d, L, D, N, p, pa);
                    float* h = ph + ((long)b * D + d) * L * N;
                    if (h0 != null) new Span<float>(h0 + (b * D + d) * N, N).CopyTo(new Span<float>(first, N)); else new Span<float>(first, N).Clear();
                    new Span<float>(g, N).Clear();
                    float dd = Dv[d], dDacc = 0;
                    float* arow = pA + (fused ? d * N : 0), dap = pdAP + (fused ? ((long)b * D + d) * N : 0);
                    for (int t = L - 1; t >= 0; t--)
                    {
                        int i = (b * L + t) * D + d, bn = (b * L + t) * N;
                        float dyt = pdy[i], ut = pu[i], dlt = pdl[i];
                        float* ht = h + t * N, hprev = t > 0 ? h + (t - 1) * N : first, at = pa + t * N;
                        float* bt_ = pB + bn, ct = pC + bn, dbt = pdB + bn, dct = pdC + bn;
                        float* dabt = fused ? null : pdAbar + (long)i * N;
                        var vdy = Vector256.Create(dyt);
                        var vdlu = Vector256.Create(dlt * ut);
                        var vdl = Vector256.Create(dlt);
                        var vGB = Vector256<float>.Zero;
                        var vDelta = Vector256<float>.Zero;
                        int n = 0;
                        for (; n <= N - 8; n += 8)
                        {
                            var gn = Vector256.Load(g + n) + Vector256.Load(ct + n) * vdy;     // dL/dh_t
                            (Vector256.Load(dct + n) + vdy * Vector256.Load(ht + n)).Store(dct + n);
                            (Vector256.Load(dbt + n) + gn * vdlu).Store(dbt + n);
                            vGB += gn * Vector256.Load(bt_ + n);
                            var gDecay = gn * Vector256.Load(hprev + n);                           // dL/dAbar_t
                            var a = Vector256.Load(at + n);
                            if (fused)
                            {
                                var gExp = gDecay * a;                                              // through exp(delta*A)
                                vDelta += gExp * Vector256.Load(arow + n);
                                (Vector256.Load(dap + n) + gExp * vdl).Store(dap + n);
                            }
                            else gDecay.Store(dabt + n);
                            (gn * a).Store(g + n);                                                  // to dL/dh_{t-1}
                        }
                        float sumGB = Vector256.Sum(vGB), dDelta = Vector256.Sum(vDelta);
                        for (; n < N; n++)
                        {
                            float gn = g[n] + ct[n] * dyt;
                            dct[n] += dyt * ht[n];
                            dbt[n] += gn * dlt * ut;
                            sumGB += gn * bt_[n];
                            float gDecay = gn * hprev[n];
                            if (fused)
                            {
                                float gExp = gDecay * at[n];
                                dDelta += gExp * arow[n];
                                dap[n] += gExp * dlt;
                            }
                            else dabt[n] = gDecay;
                            g[n] = gn * at[n];
                        }
                        pdd[i] = dDelta + sumGB * ut;
                        pdu[i] = sumGB * dlt + dyt * dd;
                        dDacc += dyt * ut;
                    }
                    dDPart[b * D + d] = dDacc;
                }
            }
            return buf;
        }, _ => { });
        var dD = new Span<float>(q.Dv, D);
        dD.Clear();
        for (int b = 0; b < bt; b++) TensorPrimitives.Add(dD, dDPart.AsSpan(b * D, D), dD);
        if (fused)
        {
            var dA = new Span<float>(q.A, D * N);
            dA.Clear();
            for (int b = 0; b < bt; b++) TensorPrimitives.Add(dA, dAPart.AsSpan(b * D * N, D * N), dA);
        }
    }

    // a[t*N + n] = Abar for (b, t, d, n): exp(delta * A) computed here (vectorised), or copied.
    private static void Decay(int b, int d, int L, int D, int N, ScanPointers p, float* a)
    {
        if (p.A == null)
        {
            for (int t = 0; t < L; t++)
                new Span<float>(p.Abar + (((long)b * L + t) * D + d) * N, N).CopyTo(new Span<float>(a + t * N, N));
            return;
        }
        var row = new ReadOnlySpan<float>(p.A + d * N, N);
        for (int t = 0; t < L; t++)
            TensorPrimitives.Multiply(row, p.Delta[(b * L + t) * D + d], new Span<float>(a + t * N, N));
        var all = new Span<float>(a, L * N);
        TensorPrimitives.Exp(all, all);
    }
}

/// <summary>Inputs and outputs of the forward: raw pointers into contiguous float32 buffers.
/// A is null for the precomputed-decay variant, Abar null for the fused one; H0 may be null.</summary>
internal unsafe struct ScanPointers
{
    public float* U, Delta, A, Abar, B, C, Dv, H0, Y, States, HLast;
}

/// <summary>Gradient outputs (written, not accumulated) and the incoming dY.</summary>
internal unsafe struct GradPointers
{
    public float* Dy, U, Delta, A, Abar, B, C, Dv;
}
