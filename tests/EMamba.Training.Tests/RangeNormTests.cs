using EMamba.Core;
using EMamba.Training.Modules;
using TorchSharp;
using static TorchSharp.torch;
using EMamba.Training.Scan;

namespace EMamba.Training.Tests;

/// <summary>RangeNorm: the definition on a hand-computed token, and finite-difference checks (float64)
/// of the gradients to its input, gamma and beta (max/min pick one element each, so the check also
/// covers the gradient flowing through the range).</summary>
// Shares the torch collection: it touches torch's global RNG or thread count, which the exact-resume tests need left alone.
[Collection("torch")]
public sealed class RangeNormTests
{
    [Fact]
    public void Normalises_one_token_as_defined()
    {
        var n = new RangeNorm(4, eps: 0);
        var y = n.forward(tensor(new float[] { 1, 2, 3, 6 })).data<float>().ToArray();
        // mean 3, centred [-2, -1, 0, 3], range 5
        Assert.Equal(new[] { -0.4f, -0.2f, 0f, 0.6f }, y.Select(v => MathF.Round(v, 6)).ToArray());
    }

    [Fact]
    public void Gradients_match_finite_differences()
    {
        var g = new Generator(11);
        var norm = new RangeNorm(8);
        norm.to(ScalarType.Float64);
        using (no_grad())
            foreach (var p in norm.parameters()) p.copy_(randn(p.shape, dtype: float64, generator: g));
        var x = randn([3, 5, 8], dtype: float64, generator: g).requires_grad_();
        var w = randn([3, 5, 8], dtype: float64, generator: g);
        double Loss() { using var _ = no_grad(); return (norm.forward(x) * w).sum().item<double>(); }
        (norm.forward(x) * w).sum().backward();
        const double h = 1e-6;
        foreach (var (name, t) in new[] { ("x", x) }.Concat(norm.named_parameters().Select(np => (np.name, (Tensor)np.parameter))))
        {
            var grad = t.grad!.clone().reshape(-1);
            var flat = t.detach().reshape(-1);   // a view: writing it perturbs t
            for (int i = 0; i < flat.shape[0]; i += Math.Max(1, (int)flat.shape[0] / 40))
            {
                double v = flat[i].item<double>();
                flat[i] = v + h; double up = Loss();
                flat[i] = v - h; double down = Loss();
                flat[i] = v;
                double fd = (up - down) / (2 * h), an = grad[i].item<double>();
                Assert.True(Math.Abs(fd - an) < 1e-5 * Math.Max(1, Math.Abs(fd)), $"d{name}[{i}]: autograd {an} vs finite difference {fd}");
            }
        }
    }

    [Fact]
    public void ExpectedRangeMatchesKnownValues()
    {
        // E|X1 - X2| = 2 / sqrt(pi); the control-chart constants d2(5) = 2.326, d2(10) = 3.078.
        Assert.Equal(2 / Math.Sqrt(Math.PI), RangeNorm.ExpectedRange(2), 6);
        Assert.Equal(2.326, RangeNorm.ExpectedRange(5), 3);
        Assert.Equal(3.078, RangeNorm.ExpectedRange(10), 3);
    }

    [Fact]
    public void MatchedGainStartsAtLayerNormScale()
    {
        // On Gaussian tokens a range norm with the matched gain has about unit RMS, like layer norm.
        manual_seed(2);
        var x = randn(4000, 64);
        var matched = (EMamba.Training.Modules.Norms.Create(Norm.Range, 64, RangeInit.Matched).forward(x)).square().mean().sqrt().item<float>();
        var one = (EMamba.Training.Modules.Norms.Create(Norm.Range, 64).forward(x)).square().mean().sqrt().item<float>();
        Assert.InRange(matched, 0.9, 1.1);
        Assert.InRange(one, 0.15, 0.25);
    }
}
