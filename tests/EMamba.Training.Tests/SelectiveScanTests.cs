using static TorchSharp.torch;
using EMamba.Training.Runtime;
using EMamba.Training.Scan;

namespace EMamba.Training.Tests;

/// <summary>The fused selective scan (float32 kernel, hand-written backward) against the time-step loop of
/// TorchSharp ops evaluated in float64 on the same input values: outputs, last state and the gradients
/// of every input; plus states carried across calls, determinism, and argument checks.</summary>
// Shares the torch collection: it touches torch's global RNG or thread count, which the exact-resume tests need left alone.
[Collection("torch")]
public sealed unsafe class SelectiveScanTests
{
    // The kernel computes in float32 and sums in a different order than the float64 reference. Its
    // rounding error grows with the number of terms a value accumulates: h_t over t (L <= 33 here),
    // y over N (<= 27), dA and dD over Bt*L (<= 66), dB and dC over Din (<= 40): at most ~100 terms of
    // relative error 6e-8 (float32 epsilon / 2), so ~6e-6 if every rounding went the same way, and
    // ~6e-7 for the usual random walk (observed: at most 2.8e-7). Hence 1e-5 of each tensor's largest
    // magnitude; a wrong term or index gives errors of order 1.
    private const double Tol = 1e-5;

    // u, delta, A, B, C, D, h0, dy for one case: float64 values that are exactly representable in float32.
    private sealed record Case(Tensor U, Tensor Delta, Tensor A, Tensor B, Tensor C, Tensor D, Tensor H0, Tensor Dy)
    {
        public Tensor[] Inputs => [U, Delta, A, B, C, D];
    }

    private static Case Make(int bt, int l, int din, int n, int seed)
    {
        var g = new Generator((ulong)seed);
        Tensor R(params long[] s) => randn(s, dtype: float64, generator: g).to(float32).to(float64);
        Tensor U01(params long[] s) => rand(s, dtype: float64, generator: g).to(float32).to(float64);
        // delta = relu(.): values in [0, 0.9] with about one in six exactly 0; A in [-4, -0.1].
        var delta = (U01(bt, l, din) * 1.08 - 0.18).clamp_min(0).to(float32).to(float64);
        return new Case(R(bt, l, din), delta, (-U01(din, n) * 3.9 - 0.1).to(float32).to(float64), R(bt, l, n), R(bt, l, n),
            R(din), R(bt, din, n), R(bt, l, din));
    }

    private static Tensor[] Leaves(IEnumerable<Tensor> xs, ScalarType dtype) => xs.Select(x => x.to(dtype).detach().requires_grad_()).ToArray();

    private static Tensor[] Grads(Tensor[] leaves) => leaves.Select(t => t.grad!.detach().clone()).ToArray();

    private static void AssertClose(Tensor expected, Tensor actual, string what, double tol = Tol)
    {
        Assert.Equal(expected.shape, actual.shape);
        if (expected.numel() == 0) return;
        var e = expected.to(float64);
        double scale = Math.Max(1e-3, e.abs().max().item<double>());
        double diff = (e - actual.to(float64)).abs().max().item<double>();
        Assert.True(diff <= tol * scale, $"{what}: max |diff| {diff:E2} > {tol:E0} x max |expected| {scale:E2}");
    }

    private static void AssertBitIdentical(Tensor expected, Tensor actual, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        var (a, b) = (TensorMemory.Read(expected.to(float32)), TensorMemory.Read(actual.to(float32)));
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.Cast<float, int>(a).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.Cast<float, int>(b)), $"{what} differs");
    }

    public static TheoryData<int, int, int, int, bool> Shapes => new()
    {
        { 2, 5, 3, 4, false },
        { 1, 1, 1, 1, false },     // L = 1, N = 1
        { 3, 1, 2, 16, true },     // L = 1 from a given state
        { 2, 6, 5, 1, true },      // N = 1: scalar lanes only
        { 3, 7, 5, 12, true },     // N = 8 + 4 lanes
        { 2, 9, 17, 16, false },   // one 16-lane vector; Din = 17 not a multiple of anything
        { 2, 4, 3, 27, false },    // N = 16 + 8 + 3 scalar lanes
        { 1, 33, 40, 20, true },   // Bt = 1: rows split into channel blocks (dB, dC reduced over blocks)
        { 5, 3, 19, 8, true },     // Bt = 5: 4 blocks a row
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ApplyMatchesTheNaiveLoopInValueStateAndEveryGradient(int bt, int l, int din, int n, bool withH0)
    {
        var c = Make(bt, l, din, n, seed: 1000 * bt + 100 * l + 10 * din + n);
        var x = Leaves(c.Inputs, float32);
        var y = SelectiveScan.Apply(x[0], x[1], x[2], x[3], x[4], x[5], withH0 ? c.H0.to(float32) : null, out var h);
        y.backward([c.Dy.to(float32)]);
        var r = Leaves(c.Inputs, float64);
        var yRef = SelectiveScan.Naive(r[0], r[1], r[2], r[3], r[4], r[5], withH0 ? c.H0 : null, out var hRef);
        yRef.backward([c.Dy]);

        AssertClose(yRef, y, "y");
        AssertClose(hRef, h, "hLast");
        Assert.False(h.requires_grad);
        string[] names = ["du", "ddelta", "dA", "dB", "dC", "dD"];
        var (g, gRef) = (Grads(x), Grads(r));
        for (int i = 0; i < names.Length; i++) AssertClose(gRef[i], g[i], names[i]);
    }

    [Theory]
    [InlineData(2, 6, 3, 4)]
    [InlineData(1, 5, 20, 9)]
    [InlineData(3, 4, 2, 16)]
    public void ApplyWithDecayMatchesTheNaiveLoopIncludingTheDecayGradient(int bt, int l, int din, int n)
    {
        var c = Make(bt, l, din, n, seed: 7 + n);
        var abar = (rand(bt, l, din, n, dtype: float64, generator: new Generator(3)) * 0.98 + 0.01).to(float32).to(float64);
        var x = Leaves([.. c.Inputs, abar], float32);
        var y = SelectiveScan.ApplyWithDecay(x[0], x[1], x[6], x[3], x[4], x[5], c.H0.to(float32), out var h);
        y.backward([c.Dy.to(float32)]);
        var r = Leaves([.. c.Inputs, abar], float64);
        var yRef = SelectiveScan.NaiveWithDecay(r[0], r[1], r[6], r[3], r[4], r[5], c.H0, out var hRef);
        yRef.backward([c.Dy]);

        AssertClose(yRef, y, "y");
        AssertClose(hRef, h, "hLast");
        var (g, gRef) = (Grads([x[0], x[1], x[6], x[3], x[4], x[5]]), Grads([r[0], r[1], r[6], r[3], r[4], r[5]]));
        string[] names = ["du", "ddelta (B u term)", "dAbar", "dB", "dC", "dD"];
        for (int i = 0; i < names.Length; i++) AssertClose(gRef[i], g[i], names[i]);
    }

    [Fact]
    public void ApplyWithDecayOfTheExactExpGivesTheFusedResultAndGradients()
    {
        // With Abar = exp(delta * A) built from autograd ops, delta and A get their gradient through
        // Abar as well: the totals must equal the fused variant's (and the float64 reference's).
        var c = Make(2, 8, 6, 16, seed: 21);
        var x = Leaves(c.Inputs, float32);
        var abar = (x[1].unsqueeze(-1) * x[2]).exp();
        SelectiveScan.ApplyWithDecay(x[0], x[1], abar, x[3], x[4], x[5], null, out _).backward([c.Dy.to(float32)]);
        var r = Leaves(c.Inputs, float64);
        SelectiveScan.Naive(r[0], r[1], r[2], r[3], r[4], r[5]).backward([c.Dy]);
        string[] names = ["du", "ddelta", "dA", "dB", "dC", "dD"];
        var (g, gRef) = (Grads(x), Grads(r));
        for (int i = 0; i < names.Length; i++) AssertClose(gRef[i], g[i], names[i]);
    }

    [Fact]
    public void TwoHalvesWithTheStateCarriedEqualOneRunBitForBit()
    {
        // Per (b, d) the kernel does the same float operations in the same order either way.
        var c = Make(3, 10, 7, 12, seed: 5);
        using var _ = no_grad();
        var (u, delta, A, B, C, D) = (c.U.to(float32), c.Delta.to(float32), c.A.to(float32), c.B.to(float32), c.C.to(float32), c.D.to(float32));
        var h0 = c.H0.to(float32);
        var full = SelectiveScan.Apply(u, delta, A, B, C, D, h0, out var hFull);
        Tensor P(Tensor t, long s, long len) => t.narrow(1, s, len);
        var y1 = SelectiveScan.Apply(P(u, 0, 4), P(delta, 0, 4), A, P(B, 0, 4), P(C, 0, 4), D, h0, out var h1);
        var y2 = SelectiveScan.Apply(P(u, 4, 6), P(delta, 4, 6), A, P(B, 4, 6), P(C, 4, 6), D, h1, out var h2);
        AssertBitIdentical(full, cat([y1, y2], 1), "y");
        AssertBitIdentical(hFull, h2, "hLast");

        var abar = (delta.unsqueeze(-1) * A).exp();
        var fullD = SelectiveScan.ApplyWithDecay(u, delta, abar, B, C, D, null, out var hFullD);
        var d1 = SelectiveScan.ApplyWithDecay(P(u, 0, 3), P(delta, 0, 3), P(abar, 0, 3), P(B, 0, 3), P(C, 0, 3), D, null, out var hd1);
        var d2 = SelectiveScan.ApplyWithDecay(P(u, 3, 7), P(delta, 3, 7), P(abar, 3, 7), P(B, 3, 7), P(C, 3, 7), D, hd1, out var hd2);
        AssertBitIdentical(fullD, cat([d1, d2], 1), "y (decay variant)");
        AssertBitIdentical(hFullD, hd2, "hLast (decay variant)");
    }

    [Fact]
    public void NaiveGradientsInFloat64MatchCentralDifferences()
    {
        // Validates the reference itself: loss = sum(y * dy) is smooth, step 1e-6 gives differences
        // accurate to ~1e-9 (truncation ~1e-12, rounding ~1e-16 / 1e-6).
        var c = Make(2, 3, 2, 3, seed: 13);
        var r = Leaves(c.Inputs, float64);
        SelectiveScan.Naive(r[0], r[1], r[2], r[3], r[4], r[5], c.H0, out _).backward([c.Dy]);
        var grads = Grads(r);
        using var noGrad = no_grad();
        double Loss() => (SelectiveScan.Naive(r[0], r[1], r[2], r[3], r[4], r[5], c.H0, out _) * c.Dy).sum().item<double>();
        for (int k = 0; k < r.Length; k++)
        {
            var flat = r[k].view(-1);
            for (long e = 0; e < flat.numel(); e++)
            {
                double orig = flat[e].item<double>();
                const double step = 1e-6;
                flat[e] = orig + step; double up = Loss();
                flat[e] = orig - step; double down = Loss();
                flat[e] = orig;
                double fd = (up - down) / (2 * step), an = grads[k].view(-1)[e].item<double>();
                Assert.True(Math.Abs(fd - an) <= 1e-6 * Math.Max(1, Math.Abs(fd)), $"input {k} element {e}: finite difference {fd:G10}, autograd {an:G10}");
            }
        }
    }

    [Fact]
    public void KernelGradientIsTheDerivativeOfTheKernelForward()
    {
        // Directional central difference of the float32 kernel along a random direction v of all six
        // inputs: (f(x + eps v) - f(x - eps v)) / 2 eps = <grad f, v>. eps = 1e-2: float32 rounding of
        // f (~1e-6 |f|) / eps and the eps^2 truncation both stay near 1e-4, far under the 1e-2 tolerance.
        var c = Make(2, 6, 5, 12, seed: 17);
        var x = Leaves(c.Inputs, float32);
        var dy = c.Dy.to(float32);
        SelectiveScan.Apply(x[0], x[1], x[2], x[3], x[4], x[5]).backward([dy]);
        var g = Grads(x);
        var gen = new Generator(99);
        var v = x.Select(t => randn(t.shape, generator: gen)).ToArray();
        using var _ = no_grad();
        double F(float eps)
        {
            var p = x.Zip(v, (t, d) => t + eps * d).ToArray();   // delta may dip below 0: the formula holds there too
            return (SelectiveScan.Apply(p[0], p[1], p[2], p[3], p[4], p[5]) * dy).sum().to(float64).item<double>();
        }
        const float h = 1e-2f;
        double fd = (F(h) - F(-h)) / (2 * h);
        double an = g.Zip(v, (a, d) => (a.to(float64) * d.to(float64)).sum().item<double>()).Sum();
        Assert.True(Math.Abs(fd - an) <= 1e-2 * Math.Max(1, Math.Abs(fd)), $"directional derivative: finite difference {fd:G8}, backward {an:G8}");
    }

    [Fact]
    public void ResultsAreBitIdenticalRunToRunAndForAnyThreadCount()
    {
        foreach (var (bt, l, din, n) in new[] { (1, 20, 37, 16), (6, 9, 10, 12) })
        {
            var c = Make(bt, l, din, n, seed: bt + l);
            Tensor[] Run(bool decay)
            {
                var x = Leaves(c.Inputs, float32);
                var abar = (c.Delta.unsqueeze(-1) * c.A).exp().to(float32).requires_grad_();
                var y = decay
                    ? SelectiveScan.ApplyWithDecay(x[0], x[1], abar, x[3], x[4], x[5], c.H0.to(float32), out var h)
                    : SelectiveScan.Apply(x[0], x[1], x[2], x[3], x[4], x[5], c.H0.to(float32), out h);
                y.backward([c.Dy.to(float32)]);
                return [y.detach(), h, .. Grads([.. x.Append(abar).Where(t => t.grad is not null)])];
            }
            var first = Run(false);
            var second = Run(false);
            for (int i = 0; i < first.Length; i++) AssertBitIdentical(first[i], second[i], $"fused output {i}");
            var d1 = Run(true);
            var d2 = Run(true);
            for (int i = 0; i < d1.Length; i++) AssertBitIdentical(d1[i], d2[i], $"decay output {i}");
        }

        // The work partition depends on the shape only: 1 thread and 5 threads give the same bits,
        // and so does the stored-state alternative of the backward.
        {
            var c = Make(3, 11, 9, 20, seed: 4);
            var s = new SelectiveScanKernel.Dims(3, 11, 9, 20);
            var ins = c.Inputs.Append(c.H0).Select(t => t.to(float32).contiguous()).ToArray();
            var p = new SelectiveScanKernel.Inputs
            {
                U = TensorMemory.Ptr(ins[0]), Delta = TensorMemory.Ptr(ins[1]), A = TensorMemory.Ptr(ins[2]), B = TensorMemory.Ptr(ins[3]),
                C = TensorMemory.Ptr(ins[4]), D = TensorMemory.Ptr(ins[5]), H0 = TensorMemory.Ptr(ins[6]),
            };
            var dy = c.Dy.to(float32).contiguous();
            Tensor[] Run(int threads, bool stored)
            {
                Tensor[] o = [empty(3, 11, 9), empty(3, 9, 20), empty(3, 11, 9), empty(3, 11, 9), empty(9, 20), empty(3, 11, 20), empty(3, 11, 20), empty(9)];
                var states = stored ? empty(3, 9, 11, 20) : null;
                float* st = states is null ? null : TensorMemory.Ptr(states);
                SelectiveScanKernel.Forward(s, p, TensorMemory.Ptr(o[0]), TensorMemory.Ptr(o[1]), threads, st);
                SelectiveScanKernel.Backward(s, p, new SelectiveScanKernel.Grads
                {
                    Dy = TensorMemory.Ptr(dy), U = TensorMemory.Ptr(o[2]), Delta = TensorMemory.Ptr(o[3]), A = TensorMemory.Ptr(o[4]),
                    B = TensorMemory.Ptr(o[5]), C = TensorMemory.Ptr(o[6]), D = TensorMemory.Ptr(o[7]),
                }, threads, st);
                return o;
            }
            var one = Run(1, false);
            foreach (var (threads, stored) in new[] { (5, false), (2, true) })
            {
                var other = Run(threads, stored);
                for (int i = 0; i < one.Length; i++) AssertBitIdentical(one[i], other[i], $"kernel output {i} ({threads} threads, stored states {stored})");
            }
        }
    }

    [Fact]
    public void NonContiguousInputsAndPartialGradientsWork()
    {
        var c = Make(2, 5, 4, 6, seed: 8);
        // u given as a transposed view, B as a slice of a wider tensor; only u and B need gradients.
        var uT = c.U.to(float32).transpose(1, 2).contiguous().detach().requires_grad_();
        var wide = cat([c.B, c.C], -1).to(float32).detach().requires_grad_();
        var u = uT.transpose(1, 2);
        var B = wide.narrow(-1, 0, 6);
        Assert.False(u.is_contiguous() || B.is_contiguous());
        SelectiveScan.Apply(u, c.Delta.to(float32), c.A.to(float32), B, c.C.to(float32), c.D.to(float32)).backward([c.Dy.to(float32)]);
        var r = Leaves(c.Inputs, float64);
        SelectiveScan.Naive(r[0], r[1], r[2], r[3], r[4], r[5]).backward([c.Dy]);
        AssertClose(r[0].grad!, uT.grad!.transpose(1, 2), "du through a transposed view");
        AssertClose(r[3].grad!, wide.grad!.narrow(-1, 0, 6), "dB through a slice");
        Assert.Equal(0.0, wide.grad!.narrow(-1, 6, 6).abs().sum().item<float>());
    }

    [Fact]
    public void WithoutGradModeNothingIsRecordedAndHLastIsDetached()
    {
        var c = Make(2, 3, 4, 5, seed: 2);
        var x = Leaves(c.Inputs, float32);
        using (no_grad())
        {
            var y = SelectiveScan.Apply(x[0], x[1], x[2], x[3], x[4], x[5], null, out var h);
            Assert.False(y.requires_grad);
            Assert.False(h.requires_grad);
        }
        var y2 = SelectiveScan.Apply(x[0], x[1], x[2], x[3], x[4], x[5], null, out var h2);
        Assert.True(y2.requires_grad);
        Assert.False(h2.requires_grad);
    }

    [Fact]
    public void FullDecayAndEmptySequencesAreHandled()
    {
        // delta * A = -1000: exp underflows to 0 (the state forgets everything), no NaN or Inf.
        var c = Make(2, 4, 3, 16, seed: 6);
        var x = Leaves([c.U, full_like(c.Delta, 50.0), full_like(c.A, -20.0), c.B, c.C, c.D], float32);
        SelectiveScan.Apply(x[0], x[1], x[2], x[3], x[4], x[5], c.H0.to(float32), out var h).backward([c.Dy.to(float32)]);
        var r = Leaves([c.U, full_like(c.Delta, 50.0), full_like(c.A, -20.0), c.B, c.C, c.D], float64);
        var yRef = SelectiveScan.Naive(r[0], r[1], r[2], r[3], r[4], r[5], c.H0, out var hRef);
        yRef.backward([c.Dy]);
        AssertClose(hRef, h, "hLast");
        for (int i = 0; i < 6; i++) AssertClose(r[i].grad!, x[i].grad!, $"gradient {i}");

        // L = 0: an empty y, the state passes through unchanged, zero gradients.
        var e = Leaves([zeros(2, 0, 3), zeros(2, 0, 3), c.A, zeros(2, 0, 16), zeros(2, 0, 16), c.D], float32);
        var h0 = c.H0.to(float32);
        var y0 = SelectiveScan.Apply(e[0], e[1], e[2], e[3], e[4], e[5], h0, out var hl0);
        Assert.Equal([2L, 0L, 3L], y0.shape);
        AssertBitIdentical(h0, hl0, "hLast of an empty sequence");
        y0.sum().backward();
        Assert.Equal(0f, e[2].grad!.abs().sum().item<float>());
    }

    [Fact]
    public void BadArgumentsNameTheTensorAndTheShapes()
    {
        var c = Make(2, 3, 4, 5, seed: 1);
        var (u, delta, A, B, C, D) = (c.U.to(float32), c.Delta.to(float32), c.A.to(float32), c.B.to(float32), c.C.to(float32), c.D.to(float32));
        void Bad(Func<Tensor> call, string param, params string[] parts)
        {
            var e = Assert.Throws<ArgumentException>(() => call());
            Assert.Equal(param, e.ParamName);
            foreach (var p in parts) Assert.Contains(p, e.Message);
        }
        Bad(() => SelectiveScan.Apply(u.view(6, 4), delta, A, B, C, D), "u", "u must be (Bt, L, Din)", "[6,4]");
        Bad(() => SelectiveScan.Apply(u, delta.narrow(1, 0, 2), A, B, C, D), "delta", "delta must be [2,3,4]", "got [2,2,4]");
        Bad(() => SelectiveScan.Apply(u, delta, A.narrow(0, 0, 3), B, C, D), "A", "A must be [4,5]", "u [2,3,4]", "got [3,5]");
        Bad(() => SelectiveScan.Apply(u, delta, A.view(-1), B, C, D), "A", "A must be (Din, N)", "got [20]");
        Bad(() => SelectiveScan.Apply(u, delta, A, randn(2, 3, 6), C, D), "B", "B must be [2,3,5]", "A [4,5]", "got [2,3,6]");
        Bad(() => SelectiveScan.Apply(u, delta, A, B, randn(3, 2, 5), D), "C", "C must be [2,3,5]", "got [3,2,5]");
        Bad(() => SelectiveScan.Apply(u, delta, A, B, C, randn(5)), "D", "D must be [4]", "got [5]");
        Bad(() => SelectiveScan.Apply(u, delta, A, B, C, D, zeros(2, 5, 4), out _), "h0", "h0 must be [2,4,5]", "got [2,5,4]");
        Bad(() => SelectiveScan.ApplyWithDecay(u, delta, rand(2, 3, 4), B, C, D, null, out _), "Abar", "Abar must be (Bt, L, Din, N)", "got [2,3,4]");
        Bad(() => SelectiveScan.ApplyWithDecay(u, delta, rand(2, 3, 5, 5), B, C, D, null, out _), "Abar", "Abar must be [2,3,4,5]", "got [2,3,5,5]");
        Bad(() => SelectiveScan.Apply(u.to(float64), delta, A, B, C, D), "u", "float32", "Float64");
        Bad(() => SelectiveScan.Apply(u, delta, A, B.to(float64), C, D), "B", "float32", "Float64");
        Bad(() => SelectiveScan.Naive(u.to(float64), delta, A, B, C, D), "delta", "Float64 like u", "got Float32");
        Bad(() => SelectiveScan.Naive(u, delta, A, randn(2, 3, 6), C, D), "B", "B must be [2,3,5]");
    }

    [Fact]
    public void VectorExpIsAccurateAndExactAtZero()
    {
        // The kernel's exp of every lane width against Math.Exp in double: relative error under 2e-7
        // (float32 rounding alone is 6e-8) over the range exp(delta * A) takes, and e^0 = 1 exactly
        // so that delta = 0 keeps the state unchanged.
        var xs = Enumerable.Range(0, 4096).Select(i => -87f * i / 4095f).Concat([0f, -1e-8f, -0.5f, -1f]).ToArray();
        double worst = 0;
        var outs = new float[16];
        fixed (float* px = xs, po = outs)
        {
            for (int i = 0; i + 16 <= xs.Length; i += 16)
            {
                Lanes16.Store(Lanes16.Exp(Lanes16.Load(px + i)), po);
                for (int j = 0; j < 16; j++) worst = Math.Max(worst, Math.Abs(outs[j] - Math.Exp(xs[i + j])) / Math.Exp(xs[i + j]));
                Lanes8.Store(Lanes8.Exp(Lanes8.Load(px + i)), po);
                for (int j = 0; j < 8; j++) worst = Math.Max(worst, Math.Abs(outs[j] - Math.Exp(xs[i + j])) / Math.Exp(xs[i + j]));
                Lanes4.Store(Lanes4.Exp(Lanes4.Load(px + i)), po);
                for (int j = 0; j < 4; j++) worst = Math.Max(worst, Math.Abs(outs[j] - Math.Exp(xs[i + j])) / Math.Exp(xs[i + j]));
            }
            float[] special = [0f, -87.5f, -1000f, float.NegativeInfinity, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f];
            fixed (float* ps = special)
            {
                Lanes16.Store(Lanes16.Exp(Lanes16.Load(ps)), po);
                Assert.Equal([1f, 0f, 0f, 0f], outs.Take(4));
                Lanes8.Store(Lanes8.Exp(Lanes8.Load(ps)), po);
                Assert.Equal([1f, 0f, 0f, 0f], outs.Take(4));
                Lanes4.Store(Lanes4.Exp(Lanes4.Load(ps)), po);
                Assert.Equal([1f, 0f, 0f, 0f], outs.Take(4));
            }
        }
        Assert.True(worst < 2e-7, $"max relative error {worst:E2}");
    }
}
