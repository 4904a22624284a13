using EMamba.Core.Approx;
using static TorchSharp.torch;
using EMamba.Training.Pwl;
using EMamba.Training.Scan;

namespace EMamba.Training.Tests;

/// <summary>The PWL exp evaluated inside the fused scan kernel against the same function built as a
/// tensor by the PWL autograd op and fed to the time-step loop: outputs and every gradient, including
/// those of the knots and values (computed in closed form from segment sums in the kernel).</summary>
// Shares the torch collection: it touches torch's global RNG or thread count, which the exact-resume tests need left alone.
[Collection("torch")]
public sealed class PwlScanTests
{
    [Theory]
    [InlineData(3, 17, 24, 16, 1)]     // 16 lanes
    [InlineData(2, 9, 8, 13, 2)]       // 8 + 4 + 1 lanes
    [InlineData(1, 40, 5, 3, 3)]       // one lane only
    public void Fused_pwl_exp_matches_the_materialised_reference(int bt, int l, int din, int n, int seed)
    {
        var g = new Generator((ulong)seed);
        // delta in [0, 1.5] (some zero): delta * A spans the table, both tails included.
        var u = randn([bt, l, din], generator: g);
        var delta = (rand([bt, l, din], generator: g) * 1.7 - 0.2).clamp_min(0);
        var A = -rand([din, n], generator: g) * 4 - 0.05;
        var B = randn([bt, l, n], generator: g); var C = randn([bt, l, n], generator: g);
        var D = randn([din], generator: g); var h0 = randn([bt, din, n], generator: g);
        var dy = randn([bt, l, din], generator: g);
        var t = PwlFit.FitValues(PwlTable.Uniform(PwlFunction.Exp, 11, -4, 1), Histogram.Empty(-5, 2, 70) with { Below = 1 });
        var knots = tensor(t.Knots.Select(v => (float)v).ToArray());
        var values = tensor(t.Values.Select(v => (float)(v * 0.97)).ToArray());   // off the function: tail and slopes matter

        Tensor[] Run(bool fused, out Tensor y, out Tensor hl)
        {
            var leaves = new[] { u, delta, A, B, C, D, knots, values }.Select(x => x.detach().clone().requires_grad_()).ToArray();
            if (fused) y = SelectiveScan.ApplyPwlExp(leaves[0], leaves[1], leaves[2], leaves[3], leaves[4], leaves[5], leaves[6], leaves[7], h0, out hl);
            else
            {
                var abar = PiecewiseLinear.Apply(leaves[1].unsqueeze(-1) * leaves[2], leaves[6], leaves[7], PwlFunction.Exp);
                y = SelectiveScan.NaiveWithDecay(leaves[0], leaves[1], abar, leaves[3], leaves[4], leaves[5], h0, out hl);
            }
            (y * dy).sum().backward();
            return leaves.Select(x => x.grad!).ToArray();
        }
        var gf = Run(true, out var yf, out var hf);
        var gr = Run(false, out var yr, out var hr);
        void Close(Tensor a, Tensor b, string what)
        {
            double scale = Math.Max(1e-3, b.abs().max().item<float>());
            double err = (a - b).abs().max().item<float>();
            Assert.True(err <= 2e-4 * scale, $"{what}: max error {err:G3} vs scale {scale:G3}");
        }
        Close(yf, yr, "y"); Close(hf, hr, "hLast");
        string[] names = ["u", "delta", "A", "B", "C", "D", "knots", "values"];
        for (int i = 0; i < names.Length; i++) Close(gf[i], gr[i], "d" + names[i]);
        Assert.True(gf[6].abs().sum().item<float>() > 0 && gf[7].abs().sum().item<float>() > 0, "knot and value gradients must not vanish");
    }
}
