using EMamba.Core;
using EMamba.Training.Modules;
using EMamba.Training.Modules.Baselines;
using TorchSharp;
using static TorchSharp.torch;

namespace EMamba.Training.Tests;

/// <summary>The baselines' building blocks: the CNN's convolution against a loop reference.</summary>
[Collection("torch")]
public sealed class BaselineTests
{
    /// <summary>A 3x3 "same" convolution, its input gradient and its weight gradient by plain loops in
    /// double precision: an independent reference for <see cref="Conv3x3"/>. x: (B, C, H, W),
    /// w: (O, C, 3, 3), g = dL/dy: (B, O, H, W); all row-major.</summary>
    private static (double[] y, double[] gx, double[] gw) NaiveConv(float[] x, float[] w, float[] g, int b, int c, int o, int h, int wd)
    {
        var (y, gx, gw) = (new double[b * o * h * wd], new double[x.Length], new double[w.Length]);
        for (int n = 0; n < b; n++) for (int k = 0; k < o; k++) for (int r = 0; r < h; r++) for (int q = 0; q < wd; q++)
        {
            int yi = ((n * o + k) * h + r) * wd + q;
            for (int ch = 0; ch < c; ch++) for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++)
            {
                int rr = r + i - 1, qq = q + j - 1;
                if (rr < 0 || rr >= h || qq < 0 || qq >= wd) continue;   // zero padding
                int xi = ((n * c + ch) * h + rr) * wd + qq, wi = ((k * c + ch) * 3 + i) * 3 + j;
                y[yi] += (double)x[xi] * w[wi];
                gx[xi] += (double)g[yi] * w[wi];
                gw[wi] += (double)g[yi] * x[xi];
            }
        }
        return (y, gx, gw);
    }

    private static double MaxAbsDiff(Tensor a, double[] reference)
    {
        var v = a.contiguous().data<float>().ToArray();
        Assert.Equal(reference.Length, v.Length);
        double m = 0;
        for (int i = 0; i < v.Length; i++)
        {
            double d = Math.Abs(v[i] - reference[i]);
            if (double.IsNaN(d)) return double.NaN;   // fails every "<" check
            m = Math.Max(m, d);
        }
        return m;
    }

    [Theory]
    [InlineData(3, 1, 8, 8, 8)]
    [InlineData(5, 8, 8, 4, 4)]
    [InlineData(2, 5, 4, 7, 9)]
    [InlineData(4, 24, 16, 6, 6)]   // plain conv2d: output off by ~1 here on this machine
    [InlineData(2, 40, 40, 8, 8)]
    public void Conv3x3MatchesALoopReferenceInValueAndGradients(int b, int cin, int cout, int h, int w)
    {
        manual_seed(9);
        var conv = new Conv3x3(cin, cout);
        var weight = conv.parameters().Single();
        var x = randn(b, cin, h, w).requires_grad_(true);
        var g = randn(b, cout, h, w);                             // upstream gradient dL/dy
        var y = conv.forward(x);
        (y * g).sum().backward();
        var (yRef, gxRef, gwRef) = NaiveConv(x.data<float>().ToArray(), weight.data<float>().ToArray(), g.data<float>().ToArray(), b, cin, cout, h, w);
        Assert.True(MaxAbsDiff(y, yRef) < 1e-5, "output");
        Assert.True(MaxAbsDiff(x.grad!, gxRef) < 1e-5, "input gradient");
        Assert.True(MaxAbsDiff(weight.grad!, gwRef) < 1e-4, "weight gradient");   // sums of B*H*W terms
    }
}
