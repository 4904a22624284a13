using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using EMamba.Training.Eval;

namespace EMamba.Training.Scan;

/// <summary>The arithmetic of the selective scan on raw float32 buffers (the autograd wrapper and the
/// shape checks live in <see cref="SelectiveScan"/>).
///
/// Shapes: u, delta (Bt, L, Din); A (Din, N) or Abar (Bt, L, Din, N); B, C (Bt, L, N); D (Din);
/// h0, hLast (Bt, Din, N). Per batch row b and channel d the recurrence runs over t, and the state
/// h (N floats) is processed in chunks of 16/8/4/1 lanes (see <see cref="ILanes{TSelf}"/>) that
/// stay in registers across the time loop:
/// <code>
///   forward                                           backward (g = dLoss/dh, from t = L-1 down)
///   a   = exp(delta_t * A[d])     (or Abar[b,t,d])    gn  = g + C_t * dy_t
///   h   = a * h + (delta_t u_t) * B_t                 dC_t += dy_t * h_t        dB_t += gn * delta_t u_t
///   y_t = D[d] u_t + sum_n C_t * h                    du_t = delta_t * sum(gn B_t) + D[d] dy_t
///                                                     gA  = gn * h_{t-1}        (= dAbar_t)
///                                                     ddelta_t = u_t sum(gn B_t) + sum(gA a A[d])
///                                                     dA[d] += gA a delta_t     g = gn * a
/// </code>
/// The backward recomputes the states of one (b, d) into a small buffer (L x 16 floats, in cache)
/// instead of keeping all Bt*Din*L*N states from the forward: measured as fast or faster, and the
/// training step then holds no state memory between forward and backward.
///
/// Work is split into (batch row, channel block) items fixed by the shape alone, never by the
/// thread count; every sum runs in a fixed order (dB, dC over channels within an item then over the
/// blocks in order; dA, dD via per-(b, d) partials added in batch order), so the results are
/// bit-identical from run to run and for any number of threads (on one machine: the lane widths,
/// and with them the order of the sums over N, follow the CPU's vector support).
/// Only the first derivative is provided (no double backward).</summary>
internal static unsafe class SelectiveScanKernel
{
    public readonly record struct Dims(int Bt, int L, int Din, int N);

    /// <summary>Contiguous float32 inputs. Exactly one of A (fused exp) and Abar (precomputed decay) is
    /// set; H0 may be null (zero state).</summary>
    public struct Inputs
    {
        public float* U, Delta, A, Abar, B, C, D, H0;
        /// <summary>With A: the decay is the piecewise-linear exp of delta * A instead of exp.</summary>
        public SelectiveScanPwl? Pwl;
        public readonly bool Fused => A != null;
    }

    /// <summary>Incoming dY and the gradients, all written (not accumulated): A for the fused variant,
    /// Abar for the precomputed-decay one.</summary>
    public struct Grads
    {
        public float* Dy, U, Delta, A, Abar, B, C, D;
        /// <summary>With a PWL exp: its segment sums (<see cref="SelectiveScanPwl.Sums"/>), written.</summary>
        public double[]? PwlSums;
    }

    /// <summary>y (Bt, L, Din) and the last state hLast (Bt, Din, N). States, if given (Bt, Din, L, N),
    /// receives every h_t (for measuring the stored-state alternative; the scan itself does not need it).</summary>
    public static void Forward(Dims s, Inputs p, float* y, float* hLast, int threads, float* states = null)
    {
        var work = new Partition(s);
        Parallel.For(0, work.Items, Options(threads), item =>
        {
            var (b, _, d0, d1) = work.Item(item);
            for (int d = d0; d < d1; d++)
            {
                long row = (long)b * s.L * s.Din + d;                    // (b, t=0, d) in (Bt, L, Din)
                for (int t = 0; t < s.L; t++) y[row + (long)t * s.Din] = p.D[d] * p.U[row + (long)t * s.Din];
                int n0 = 0;
                if (Vector512.IsHardwareAccelerated) for (; n0 + 16 <= s.N; n0 += 16) ForwardLanes<Lanes16>(s, p, b, d, n0, y, hLast, states);
                if (Vector256.IsHardwareAccelerated) for (; n0 + 8 <= s.N; n0 += 8) ForwardLanes<Lanes8>(s, p, b, d, n0, y, hLast, states);
                if (Vector128.IsHardwareAccelerated) for (; n0 + 4 <= s.N; n0 += 4) ForwardLanes<Lanes4>(s, p, b, d, n0, y, hLast, states);
                for (; n0 < s.N; n0++) ForwardLanes<Lanes1>(s, p, b, d, n0, y, hLast, states);
            }
        });
    }

    /// <summary>All gradients of the forward above (states: as passed to the forward, or null to recompute).</summary>
    public static void Backward(Dims s, Inputs p, Grads g, int threads, float* states = null)
    {
        var work = new Partition(s);
        int L = s.L, Din = s.Din, N = s.N;
        long rowLN = (long)L * N;
        // dB, dC partials per (b, block) when rows are split into blocks (else written in place);
        // dA, dD partials per (b, d), reduced over b afterwards.
        float* partB = null, partC = null, partA = null, partD = null;
        try
        {
            if (work.BlocksPerRow > 1)
            {
                partB = Alloc((long)work.Items * rowLN);
                partC = Alloc((long)work.Items * rowLN);
            }
            if (p.Fused) partA = Alloc((long)s.Bt * Din * N);
            partD = Alloc((long)s.Bt * Din);
            float* pB = partB, pC = partC, pA = partA, pD = partD;
            var pwl = p.Fused ? p.Pwl : null;
            int sums = pwl?.Sums ?? 0;
            var partPwl = new double[(long)work.Items * sums];
            // h_t and Abar_t of one chunk, then the lane-wise PWL segment sums of the item.
            long scratch = 2 * (long)L * 16 + (long)sums * SelectiveScanPwl.Stride;
            Parallel.For(0, work.Items, Options(threads), () => (IntPtr)Alloc(scratch), (item, _, buf) =>
            {
                var (b, k, d0, d1) = work.Item(item);
                float* dB = pB != null ? pB + item * rowLN : g.B + b * rowLN;
                float* dC = pC != null ? pC + item * rowLN : g.C + b * rowLN;
                new Span<float>(dB, checked((int)rowLN)).Clear();
                new Span<float>(dC, checked((int)rowLN)).Clear();
                float* acc = (float*)buf + 2 * (long)L * 16;
                new Span<float>(acc, sums * SelectiveScanPwl.Stride).Clear();
                for (int d = d0; d < d1; d++)
                {
                    long row = (long)b * L * Din + d;
                    float dD = 0;
                    for (int t = 0; t < L; t++)
                    {
                        long i = row + (long)t * Din;
                        g.U[i] = g.Dy[i] * p.D[d];
                        g.Delta[i] = 0;
                        dD += g.Dy[i] * p.U[i];
                    }
                    pD[(long)b * Din + d] = dD;
                    float* hs = (float*)buf, abar = hs + (long)L * 16;
                    int n0 = 0;
                    if (Vector512.IsHardwareAccelerated) for (; n0 + 16 <= N; n0 += 16) BackwardLanes<Lanes16>(s, p, g, b, d, n0, dB, dC, pA, hs, abar, acc, states);
                    if (Vector256.IsHardwareAccelerated) for (; n0 + 8 <= N; n0 += 8) BackwardLanes<Lanes8>(s, p, g, b, d, n0, dB, dC, pA, hs, abar, acc, states);
                    if (Vector128.IsHardwareAccelerated) for (; n0 + 4 <= N; n0 += 4) BackwardLanes<Lanes4>(s, p, g, b, d, n0, dB, dC, pA, hs, abar, acc, states);
                    for (; n0 < N; n0++) BackwardLanes<Lanes1>(s, p, g, b, d, n0, dB, dC, pA, hs, abar, acc, states);
                }
                for (int j = 0; j < sums; j++)
                {
                    double sum = 0;
                    for (int l = 0; l < SelectiveScanPwl.Stride; l++) sum += acc[j * SelectiveScanPwl.Stride + l];
                    partPwl[item * sums + j] = sum;
                }
                return buf;
            }, buf => NativeMemory.AlignedFree((void*)buf));

            // Fixed-order reductions.
            if (work.BlocksPerRow > 1)
                for (int b = 0; b < s.Bt; b++)
                {
                    var dB = new Span<float>(g.B + b * rowLN, (int)rowLN);
                    var dC = new Span<float>(g.C + b * rowLN, (int)rowLN);
                    dB.Clear(); dC.Clear();
                    for (int k = 0; k < work.BlocksPerRow; k++)
                    {
                        long item = (long)b * work.BlocksPerRow + k;
                        TensorPrimitives.Add(dB, new ReadOnlySpan<float>(partB + item * rowLN, (int)rowLN), dB);
                        TensorPrimitives.Add(dC, new ReadOnlySpan<float>(partC + item * rowLN, (int)rowLN), dC);
                    }
                }
            SumOverBatch(partD, g.D, s.Bt, Din);
            if (p.Fused) SumOverBatch(partA, g.A, s.Bt, Din * N);
            if (pwl != null)
            {
                var total = g.PwlSums ?? throw new ArgumentException("a PWL exp scan needs Grads.PwlSums");
                Array.Clear(total);
                for (long item = 0; item < work.Items; item++)
                    for (int j = 0; j < sums; j++) total[j] += partPwl[item * sums + j];
            }
        }
        finally
        {
            NativeMemory.AlignedFree(partB); NativeMemory.AlignedFree(partC);
            NativeMemory.AlignedFree(partA); NativeMemory.AlignedFree(partD);
        }
    }

    // One chunk of lanes [n0, n0 + W) of channel d in batch row b: the whole time loop, h in registers.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardLanes<V>(Dims s, Inputs p, int b, int d, int n0, float* y, float* hLast, float* states)
        where V : struct, ILanes<V>
    {
        int L = s.L, Din = s.Din, N = s.N;
        long bd = (long)b * Din + d, row = (long)b * L * Din + d;
        float* u = p.U + row, dl = p.Delta + row, yr = y + row;          // step Din over t
        float* Bt = p.B + (long)b * L * N + n0, Ct = p.C + (long)b * L * N + n0;   // step N over t
        float* st = states == null ? null : states + bd * L * N + n0;     // step N over t
        V h = p.H0 != null ? V.Load(p.H0 + bd * N + n0) : V.Zero;
        if (p.Fused)
        {
            V arow = V.Load(p.A + (long)d * N + n0);
            for (int t = 0; t < L; t++, u += Din, dl += Din, yr += Din, Bt += N, Ct += N)
            {
                float dt = *dl;
                V x = arow * dt;
                h = Step(p.Pwl is null ? V.Exp(x) : p.Pwl.Eval(x), h, dt * *u, Bt);
                if (st != null) V.Store(h, st + (long)t * N);
                *yr += V.Sum(V.Load(Ct) * h);
            }
        }
        else
        {
            float* ab = p.Abar + row * N + n0;                              // step Din*N over t
            long abStep = (long)Din * N;
            for (int t = 0; t < L; t++, u += Din, dl += Din, yr += Din, Bt += N, Ct += N, ab += abStep)
            {
                h = Step(V.Load(ab), h, *dl * *u, Bt);
                if (st != null) V.Store(h, st + (long)t * N);
                *yr += V.Sum(V.Load(Ct) * h);
            }
        }
        V.Store(h, hLast + bd * N + n0);
    }

    /// <summary>h_t = Abar_t * h_{t-1} + (delta_t u_t) B_t: shared by the forward and the backward's
    /// recomputation, so the recomputed states are bit-identical to the forward's.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V Step<V>(V a, V h, float deltaU, float* B) where V : struct, ILanes<V>
        => V.Fma(a, h, V.Load(B) * deltaU);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardLanes<V>(Dims s, Inputs p, Grads g, int b, int d, int n0, float* dB, float* dC,
        float* partA, float* hs, float* abar, float* acc, float* states) where V : struct, ILanes<V>
    {
        int L = s.L, Din = s.Din, N = s.N, W = V.Count;
        if (L == 0) { if (p.Fused) V.Store(V.Zero, partA + ((long)b * Din + d) * N + n0); return; }
        long bd = (long)b * Din + d, row = (long)b * L * Din + d, abStep = (long)Din * N;
        float* Bt = p.B + (long)b * L * N + n0, Ct = p.C + (long)b * L * N + n0;
        dB += n0; dC += n0;                                               // (L, N) rows of this item
        V h0 = p.H0 != null ? V.Load(p.H0 + bd * N + n0) : V.Zero;
        V arow = p.Fused ? V.Load(p.A + (long)d * N + n0) : V.Zero;
        float* abIn = p.Fused ? null : p.Abar + row * N + n0;           // step Din*N over t
        float* dAbar = p.Fused ? null : g.Abar + row * N + n0;

        // Pass 1: the decays (fused: exp once here, reused below) and the states, unless kept.
        int hStep = W;
        if (states != null) { hs = states + bd * L * N + n0; hStep = N; }
        V h = h0;
        for (int t = 0; t < L; t++)
        {
            long i = row + (long)t * Din;
            float dt = p.Delta[i];
            V a;
            if (p.Fused) { V x = arow * dt; a = p.Pwl is null ? V.Exp(x) : p.Pwl.Eval(x); V.Store(a, abar + (long)t * W); }
            else a = V.Load(abIn + t * abStep);
            if (states == null) { h = Step(a, h, dt * p.U[i], Bt + (long)t * N); V.Store(h, hs + (long)t * W); }
        }

        // Pass 2: from the last step back to the first.
        V gh = V.Zero, dA = V.Zero;
        V ht = V.Load(hs + (long)(L - 1) * hStep);
        for (int t = L - 1; t >= 0; t--)
        {
            long i = row + (long)t * Din, tn = (long)t * N;
            float dyt = g.Dy[i], ut = p.U[i], dt = p.Delta[i];
            V gn = V.Fma(V.Load(Ct + tn), V.Splat(dyt), gh);              // dLoss/dh_t
            V hp = t > 0 ? V.Load(hs + (long)(t - 1) * hStep) : h0;       // h_{t-1}
            V.Store(V.Fma(ht, V.Splat(dyt), V.Load(dC + tn)), dC + tn);
            V.Store(V.Fma(gn, V.Splat(dt * ut), V.Load(dB + tn)), dB + tn);
            float sGB = V.Sum(gn * V.Load(Bt + tn));
            V gA = gn * hp;                                               // dLoss/dAbar_t
            V a;
            if (p.Fused)
            {
                a = V.Load(abar + (long)t * W);
                V gE = p.Pwl is null ? gA * a : p.Pwl.Backward(arow * dt, gA, acc);   // dLoss/d(delta_t A)
                dA = V.Fma(gE, V.Splat(dt), dA);
                g.Delta[i] += ut * sGB + V.Sum(gE * arow);
            }
            else
            {
                a = V.Load(abIn + t * abStep);
                V.Store(gA, dAbar + t * abStep);
                g.Delta[i] += ut * sGB;
            }
            g.U[i] += dt * sGB;
            gh = gn * a;                                                  // to dLoss/dh_{t-1}
            ht = hp;
        }
        if (p.Fused) V.Store(dA, partA + bd * N + n0);
    }

    // dst[j] = sum over b (in order) of part[b * len + j].
    private static void SumOverBatch(float* part, float* dst, int bt, int len)
    {
        var o = new Span<float>(dst, len);
        o.Clear();
        for (int b = 0; b < bt; b++) TensorPrimitives.Add(o, new ReadOnlySpan<float>(part + (long)b * len, len), o);
    }

    private static float* Alloc(long floats) => (float*)NativeMemory.AlignedAlloc((nuint)Math.Max(1, floats * sizeof(float)), 64);

    private static ParallelOptions Options(int threads) => new() { MaxDegreeOfParallelism = Math.Max(1, threads) };

    /// <summary>Work items: (batch row, block of channels). Fixed by the shape only, so the order of every
    /// sum, and hence every bit of the result, does not depend on the thread count: rows are split
    /// into blocks only when the batch alone gives fewer than 16 items (e.g. Bt = 1 for a long sequence).</summary>
    private readonly struct Partition
    {
        public readonly int Bt, BlocksPerRow, BlockSize, Din;
        public Partition(Dims s)
        {
            Bt = s.Bt; Din = s.Din;
            int blocks = Math.Clamp((16 + Math.Max(1, s.Bt) - 1) / Math.Max(1, s.Bt), 1, Math.Max(1, s.Din));
            BlockSize = Math.Max(1, (s.Din + blocks - 1) / blocks);
            BlocksPerRow = Math.Max(1, (s.Din + BlockSize - 1) / BlockSize);      // no empty blocks
        }
        public int Items => Bt * BlocksPerRow;
        public (int B, int K, int D0, int D1) Item(long item)
        {
            int b = (int)(item / BlocksPerRow), k = (int)(item % BlocksPerRow);
            return (b, k, k * BlockSize, Math.Min(Din, (k + 1) * BlockSize));
        }
    }
}
