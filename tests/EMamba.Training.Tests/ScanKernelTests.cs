using EMamba.Training;
using static TorchSharp.torch;

namespace EMamba.Training.Tests;

/// <summary>The fused selective scan against the time-step loop of TorchSharp ops (values and
/// autograd gradients) and against finite differences of itself.</summary>
public sealed class ScanKernelTests
{
    // Float32 sums over N and L in a different order than the reference: agreement to 1e-4 of the
    // largest magnitude is what float rounding allows for these sizes, and far below any real bug.
    private const double Tol = 1e-4;

    private sealed record Inputs(Tensor U, Tensor Delta, Tensor A, Tensor B, Tensor C, Tensor D)
    {
        public Tensor[] All => [U, Delta, A, B, C, D];
    }

    private static Inputs Make(int bt, int l, int din, int n, int seed)
    {
        var g = new TorchSharp.torch.Generator((ulong)seed);
        Tensor R(params long[] s) => randn(s, generator: g);
        return new Inputs(
            R(bt, l, din).requires_grad_(),
            (rand([bt, l, din], generator: g) * 0.5 + 0.01).requires_grad_(),
            (-rand([din, n], generator: g) * 3 - 0.1).requires_grad_(),
            R(bt, l, n).requires_grad_(),
            R(bt, l, n).requires_grad_(),
            R(din).requires_grad_());
    }

    private static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        double scale = Math.Max(1.0, expected.abs().max().item<float>());
        double diff = (expected - actual).abs().max().item<float>();
        Assert.True(diff <= Tol * scale, $"{what}: max |diff| {diff:E3} > {Tol * scale:E3}");
    }

    private static Tensor[] Grads(Inputs x, Tensor y, Tensor dy)
    {
        foreach (var t in x.All) t.grad?.zero_();
        (y * dy).sum().backward();
        return x.All.Select(t => t.grad!.clone()).ToArray();
    }

    [Theory]
    [InlineData(2, 5, 3, 4)]
    [InlineData(1, 1, 1, 1)]
    [InlineData(3, 7, 5, 12)]   // N not a multiple of the vector width: scalar tail
    [InlineData(2, 9, 4, 16)]   // two full vectors
    [InlineData(1, 33, 2, 8)]
    public void FusedMatchesNaiveInValueAndGradient(int bt, int l, int din, int n)
    {
        var x = Make(bt, l, din, n, seed: bt * 100 + l * 10 + n);
        var dy = randn(bt, l, din);
        var yRef = SelectiveScan.Naive(x.U, x.Delta, x.A, x.B, x.C, x.D, null, out var hRef);
        var gRef = Grads(x, yRef, dy);
        var y = SelectiveScan.Apply(x.U, x.Delta, x.A, x.B, x.C, x.D, null, out var h);
        var g = Grads(x, y, dy);
        AssertClose(yRef, y, "y");
        AssertClose(hRef, h, "hLast");
        string[] names = ["du", "ddelta", "dA", "dB", "dC", "dD"];
        for (int i = 0; i < names.Length; i++) AssertClose(gRef[i], g[i], names[i]);
    }

    [Theory]
    [InlineData(2, 6, 3, 4)]
    [InlineData(2, 4, 3, 9)]
    public void DecayVariantMatchesNaiveIncludingAbarGradient(int bt, int l, int din, int n)
    {
        var x = Make(bt, l, din, n, seed: 5);
        var abar = (rand(bt, l, din, n) * 0.9).requires_grad_();
        var dy = randn(bt, l, din);
        var yRef = SelectiveScan.NaiveWithDecay(x.U, x.Delta, abar, x.B, x.C, x.D, null, out _);
        (yRef * dy).sum().backward();
        var gRef = new[] { x.U, x.Delta, abar, x.B, x.C, x.D }.Select(t => t.grad!.clone()).ToArray();
        foreach (var t in new[] { x.U, x.Delta, abar, x.B, x.C, x.D }) t.grad!.zero_();
        var y = SelectiveScan.ApplyWithDecay(x.U, x.Delta, abar, x.B, x.C, x.D, null, out _);
        (y * dy).sum().backward();
        var g = new[] { x.U, x.Delta, abar, x.B, x.C, x.D }.Select(t => t.grad!).ToArray();
        AssertClose(yRef, y, "y");
        string[] names = ["du", "ddelta", "dAbar", "dB", "dC", "dD"];
        for (int i = 0; i < names.Length; i++) AssertClose(gRef[i], g[i], names[i]);
    }

    [Fact]
    public void CarriedStateEqualsOneLongRun()
    {
        var x = Make(2, 10, 3, 5, seed: 9);
        using var _ = no_grad();
        var full = SelectiveScan.Apply(x.U, x.Delta, x.A, x.B, x.C, x.D, null, out var hFull);
        Tensor Part(Tensor t, long s, long len) => t.narrow(1, s, len).contiguous();
        var y1 = SelectiveScan.Apply(Part(x.U, 0, 4), Part(x.Delta, 0, 4), x.A, Part(x.B, 0, 4), Part(x.C, 0, 4), x.D, null, out var h1);
        var y2 = SelectiveScan.Apply(Part(x.U, 4, 6), Part(x.Delta, 4, 6), x.A, Part(x.B, 4, 6), Part(x.C, 4, 6), x.D, h1, out var h2);
        AssertClose(full, cat([y1, y2], 1), "y");
        AssertClose(hFull, h2, "hLast");
        var yN = SelectiveScan.Naive(Part(x.U, 4, 6), Part(x.Delta, 4, 6), x.A, Part(x.B, 4, 6), Part(x.C, 4, 6), x.D, h1, out var hN);
        AssertClose(yN, y2, "naive with h0");
        AssertClose(hN, h2, "naive hLast with h0");
    }

    [Fact]
    public void RunsAreBitIdentical()
    {
        float[] Run()
        {
            var x = Make(8, 20, 6, 16, seed: 3);
            var y = SelectiveScan.Apply(x.U, x.Delta, x.A, x.B, x.C, x.D);
            y.pow(2).sum().backward();
            return x.All.SelectMany(t => t.grad!.data<float>().ToArray()).Concat(y.data<float>().ToArray()).ToArray();
        }
        Assert.Equal(Run(), Run());
    }

    [Fact]
    public void GradientMatchesFiniteDifferencesOfTheKernel()
    {
        // Central differences in float32 on a small case with O(1) values: step 1e-2 keeps the
        // rounding error (~1e-5 / 1e-2) well under the 2e-2 relative tolerance.
        var x = Make(1, 4, 2, 3, seed: 11);
        var dy = randn(1, 4, 2);
        var g = Grads(x, SelectiveScan.Apply(x.U, x.Delta, x.A, x.B, x.C, x.D), dy);
        using var _ = no_grad();
        var all = x.All;
        for (int k = 0; k < all.Length; k++)
        {
            var flat = all[k].view(-1);
            for (long e = 0; e < flat.numel(); e++)
            {
                float orig = flat[e].item<float>();
                const float h = 1e-2f;
                flat[e] = orig + h;
                double up = (SelectiveScan.Apply(x.U, x.Delta, x.A, x.B, x.C, x.D) * dy).sum().item<float>();
                flat[e] = orig - h;
                double down = (SelectiveScan.Apply(x.U, x.Delta, x.A, x.B, x.C, x.D) * dy).sum().item<float>();
                flat[e] = orig;
                double fd = (up - down) / (2 * h), an = g[k].view(-1)[e].item<float>();
                Assert.True(Math.Abs(fd - an) <= 2e-2 * Math.Max(1, Math.Abs(fd)), $"input {k} element {e}: finite difference {fd:F5}, backward {an:F5}");
            }
        }
    }

    [Fact]
    public void BadShapesAreRejectedWithTheTensorNamed()
    {
        var x = Make(2, 3, 4, 5, seed: 1);
        var e = Assert.Throws<ArgumentException>(() => SelectiveScan.Apply(x.U, x.Delta, x.A, randn(2, 3, 6), x.C, x.D));
        Assert.Contains("B must be [2,3,5]", e.Message);
        e = Assert.Throws<ArgumentException>(() => SelectiveScan.Apply(x.U, x.Delta, randn(4), x.B, x.C, x.D));
        Assert.Contains("A must be (Din, N)", e.Message);
        e = Assert.Throws<ArgumentException>(() => SelectiveScan.Apply(x.U, x.Delta, x.A, x.B, x.C, x.D, zeros(2, 4, 4), out _));
        Assert.Contains("h0", e.Message);
        e = Assert.Throws<ArgumentException>(() => SelectiveScan.Apply(x.U.to(float64), x.Delta, x.A, x.B, x.C, x.D));
        Assert.Contains("float32", e.Message);
    }
}
