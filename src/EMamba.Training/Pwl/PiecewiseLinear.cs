using EMamba.Core.Approx;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;
using EMamba.Training.Runtime;
using EMamba.Training.Scan;

namespace EMamba.Training.Pwl;

/// <summary>y = pwl(x) elementwise for a float32 tensor of any shape, as a custom autograd function
/// with gradients to the input, the knots (K) and the values (K); the arithmetic is
/// <see cref="PiecewiseLinearKernel"/>. One call of a few C# loops replaces the dozen tensor ops
/// (bucketize, gathers, where) that the same function costs in TorchSharp.</summary>
public static class PiecewiseLinear
{
    public static Tensor Apply(Tensor x, Tensor knots, Tensor values, PwlFunction fn)
    {
        if (knots.dim() != 1 || values.dim() != 1 || knots.shape[0] != values.shape[0] || knots.shape[0] < 2)
            throw new ArgumentException($"knots {Shape(knots)} and values {Shape(values)} must be two vectors of the same length >= 2");
        return PwlFn.apply(x.contiguous(), knots.contiguous(), values.contiguous(), fn);
    }

    private static string Shape(Tensor t) => "[" + string.Join(",", t.shape) + "]";

    // vars: x, knots, values, PwlFunction.
    private sealed unsafe class PwlFn : SingleTensorFunction<PwlFn>
    {
        public override string Name => "PiecewiseLinear";

        public override Tensor forward(AutogradContext ctx, params object[] vars)
        {
            var x = (Tensor)vars[0]; var knots = (Tensor)vars[1]; var values = (Tensor)vars[2];
            var fn = (PwlFunction)vars[3];
            var y = empty_like(x);
            PiecewiseLinearKernel.Forward(TensorMemory.Ptr(x), TensorMemory.Ptr(y), x.numel(),
                TensorMemory.Read(knots), TensorMemory.Read(values), fn, get_num_threads());
            ctx.save_for_backward([x, knots, values]);
            ctx.save_data("fn", fn);
            return y;
        }

        public override List<Tensor> backward(AutogradContext ctx, Tensor grad)
        {
            var saved = ctx.get_saved_variables();
            var (x, knots, values) = (saved[0], saved[1], saved[2]);
            var fn = (PwlFunction)ctx.get_data("fn");
            try
            {
                using var gy = grad.contiguous();
                var gx = empty_like(x);
                int k = (int)knots.shape[0];
                var gk = new double[k]; var gv = new double[k];
                PiecewiseLinearKernel.Backward(TensorMemory.Ptr(x), TensorMemory.Ptr(gy), TensorMemory.Ptr(gx), x.numel(),
                    TensorMemory.Read(knots), TensorMemory.Read(values), fn, get_num_threads(), gk, gv);
                return [gx, tensor(gk.Select(v => (float)v).ToArray()), tensor(gv.Select(v => (float)v).ToArray()), null!];
            }
            finally
            {
                foreach (var t in saved) t.Dispose();
            }
        }
    }
}
