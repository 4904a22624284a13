using static TorchSharp.torch;
using static TorchSharp.torch.autograd;
using EMamba.Training.Runtime;

namespace EMamba.Training.Scan;

/// <summary>The Mamba-1 selective scan (Bt batch, L length, Din = E*D channels, N state size):
/// <code>
///   inputs  u, delta (Bt, L, Din)   delta already activated (>= 0)
///           A (Din, N) negative      B, C (Bt, L, N)      D (Din)      h0 (Bt, Din, N) or zeros
///   h_t[b,d,n] = exp(delta[b,t,d] A[d,n]) h_{t-1}[b,d,n] + delta[b,t,d] B[b,t,n] u[b,t,d]
///   y[b,t,d]   = sum_n C[b,t,n] h_t[b,d,n] + D[d] u[b,t,d]                  -> y (Bt, L, Din)
/// </code>
/// <see cref="Apply(Tensor,Tensor,Tensor,Tensor,Tensor,Tensor)"/> is a custom autograd function whose
/// forward and backward are hand-written in C# (<see cref="SelectiveScanKernel"/>); float32 on the CPU.
/// <see cref="Naive(Tensor,Tensor,Tensor,Tensor,Tensor,Tensor)"/> is the same thing written as a time-step
/// loop of TorchSharp ops, as PyTorch users write it: the reference for tests and benchmarks.
/// The initial state h0 and the returned last state are outside the autograd graph (no gradient to
/// h0; hLast is detached), which is what streaming and truncated backpropagation through time need.</summary>
public static class SelectiveScan
{
    /// <summary>y = scan(u, delta, A, B, C, D) from a zero state; gradients to all six inputs.</summary>
    public static Tensor Apply(Tensor u, Tensor delta, Tensor A, Tensor B, Tensor C, Tensor D)
    {
        var y = Apply(u, delta, A, B, C, D, null, out var hLast);
        hLast.Dispose();
        return y;
    }

    /// <summary>As above, from the state h0 (Bt, Din, N) (zeros when null), returning the last state
    /// hLast (Bt, Din, N), detached.</summary>
    public static Tensor Apply(Tensor u, Tensor delta, Tensor A, Tensor B, Tensor C, Tensor D, Tensor? h0, out Tensor hLast)
    {
        var dims = SelectiveScanShapes.Check(u, delta, A, null, B, C, D, h0, kernel: true);
        return Run<FusedScan>(dims, u, delta, A, B, C, D, h0, out hLast);
    }

    /// <summary>The variant with the decay Abar (Bt, L, Din, N) computed by the caller with autograd ops
    /// (e.g. a trainable piecewise-linear exp of delta * A): h_t = Abar_t h_{t-1} + delta_t B_t u_t.
    /// Gradients to u, delta (through the delta B u term only), Abar, B, C and D.</summary>
    public static Tensor ApplyWithDecay(Tensor u, Tensor delta, Tensor Abar, Tensor B, Tensor C, Tensor D, Tensor? h0, out Tensor hLast)
    {
        var dims = SelectiveScanShapes.Check(u, delta, null, Abar, B, C, D, h0, kernel: true);
        return Run<DecayScan>(dims, u, delta, Abar, B, C, D, h0, out hLast);
    }

    /// <summary>As <see cref="Apply(Tensor,Tensor,Tensor,Tensor,Tensor,Tensor,Tensor?,out Tensor)"/> with the
    /// exp of A_bar = exp(delta A) replaced by a piecewise-linear table (knots, values: K each, exp's
    /// tails), evaluated inside the kernel (<see cref="SelectiveScanPwl"/>); gradients also to knots and values.</summary>
    public static Tensor ApplyPwlExp(Tensor u, Tensor delta, Tensor A, Tensor B, Tensor C, Tensor D, Tensor knots, Tensor values,
        Tensor? h0, out Tensor hLast)
    {
        var dims = SelectiveScanShapes.Check(u, delta, A, null, B, C, D, h0, kernel: true);
        if (knots.dim() != 1 || values.dim() != 1 || knots.shape[0] != values.shape[0] || knots.shape[0] < 2)
            throw new ArgumentException("knots and values must be two vectors of the same length >= 2");
        return Run<PwlScan>(dims, u, delta, A, B, C, D, h0, out hLast, knots.contiguous(), values.contiguous());
    }

    /// <summary>The reference: a loop over time steps of TorchSharp ops (float32 or float64).</summary>
    public static Tensor Naive(Tensor u, Tensor delta, Tensor A, Tensor B, Tensor C, Tensor D)
    {
        var y = Naive(u, delta, A, B, C, D, null, out var hLast);
        hLast.Dispose();
        return y;
    }

    /// <summary>The reference with an initial state and the last state out (detached).</summary>
    public static Tensor Naive(Tensor u, Tensor delta, Tensor A, Tensor B, Tensor C, Tensor D, Tensor? h0, out Tensor hLast)
    {
        SelectiveScanShapes.Check(u, delta, A, null, B, C, D, h0, kernel: false);
        using var scope = NewDisposeScope();
        var abar = (delta.unsqueeze(-1) * A).exp();                        // (Bt, L, Din, N)
        var y = NaiveLoop(u, delta, abar, B, C, D, h0, out var h);
        hLast = h.MoveToOuterDisposeScope();
        return y.MoveToOuterDisposeScope();
    }

    /// <summary>The reference of <see cref="ApplyWithDecay"/>.</summary>
    public static Tensor NaiveWithDecay(Tensor u, Tensor delta, Tensor Abar, Tensor B, Tensor C, Tensor D, Tensor? h0, out Tensor hLast)
    {
        SelectiveScanShapes.Check(u, delta, null, Abar, B, C, D, h0, kernel: false);
        return NaiveLoop(u, delta, Abar, B, C, D, h0, out hLast);
    }

    // The time-step loop. unbind(1) hands out all L slices at once: its backward is one stack, where
    // select(1, t) in the loop would build a zero-filled full-size gradient per step (L^2 work).
    private static Tensor NaiveLoop(Tensor u, Tensor delta, Tensor abar, Tensor B, Tensor C, Tensor D, Tensor? h0, out Tensor hLast)
    {
        using var scope = NewDisposeScope();
        long bt = u.shape[0], l = u.shape[1], din = u.shape[2], n = B.shape[2];
        var a = abar.unbind(1);                                                          // L x (Bt, Din, N)
        var bu = (delta.unsqueeze(-1) * B.unsqueeze(2) * u.unsqueeze(-1)).unbind(1);    // L x (Bt, Din, N)
        var c = C.unsqueeze(-1).unbind(1);                                               // L x (Bt, N, 1)
        var h = h0?.detach() ?? zeros([bt, din, n], dtype: u.dtype);                    // (Bt, Din, N)
        var ys = new Tensor[l];
        for (int t = 0; t < l; t++)
        {
            h = a[t] * h + bu[t];                                                        // (Bt, Din, N)
            ys[t] = h.matmul(c[t]).squeeze(-1);                                          // (Bt, Din)
        }
        var y = (l > 0 ? stack(ys, 1) : zeros([bt, 0, din], dtype: u.dtype)) + u * D;    // (Bt, L, Din)
        hLast = h.detach().clone().MoveToOuterDisposeScope();
        return y.MoveToOuterDisposeScope();
    }

    private static Tensor Run<F>(SelectiveScanKernel.Dims dims, Tensor u, Tensor delta, Tensor decay, Tensor B, Tensor C, Tensor D,
        Tensor? h0, out Tensor hLast, Tensor? knots = null, Tensor? values = null) where F : ScanFunction<F>, new()
    {
        using var scope = NewDisposeScope();
        // contiguous() is a no-op for contiguous inputs and a differentiable copy otherwise.
        var outs = knots is null
            ? MultiTensorFunction<F>.apply(u.contiguous(), delta.contiguous(), decay.contiguous(), B.contiguous(),
                C.contiguous(), D.contiguous(), h0?.detach().contiguous()!, dims)
            : MultiTensorFunction<F>.apply(u.contiguous(), delta.contiguous(), decay.contiguous(), B.contiguous(),
                C.contiguous(), D.contiguous(), h0?.detach().contiguous()!, dims, knots, values!);
        // hLast leaves the graph here rather than through ctx.mark_non_differentiable: TorchSharp 0.107
        // pins the non-differentiable handle list and then re-pins the same PinnedArray for the dirty
        // list, releasing the first while native code still reads it. After a garbage collection
        // that read finds a null handle and the process dies (seen in THSAutograd_Function_wrapOutputs
        // during long CIFAR-10 runs, where large batches make collections frequent).
        hLast = outs[1].detach().MoveToOuterDisposeScope();
        return outs[0].MoveToOuterDisposeScope();
    }

    // vars: u, delta, A | Abar, B, C, D, h0 (or null), Dims[, knots, values]. Outputs: y, hLast (not differentiable).
    private abstract unsafe class ScanFunction<T> : MultiTensorFunction<T> where T : ScanFunction<T>, new()
    {
        protected abstract bool Fused { get; }

        public override List<Tensor> forward(AutogradContext ctx, params object[] vars)
        {
            var s = (SelectiveScanKernel.Dims)vars[7];
            var ins = new Tensor?[7];
            for (int i = 0; i < 7; i++) ins[i] = vars[i] as Tensor;
            var y = empty(s.Bt, s.L, s.Din);
            var hLast = empty(s.Bt, s.Din, s.N);
            var pwl = vars.Length > 8 ? new SelectiveScanPwl(TensorMemory.Read((Tensor)vars[8]), TensorMemory.Read((Tensor)vars[9])) : null;
            SelectiveScanKernel.Forward(s, Pointers(ins, pwl), TensorMemory.Ptr(y), TensorMemory.Ptr(hLast), get_num_threads());
            ctx.save_for_backward([.. ins]);
            ctx.save_data("dims", s);
            if (pwl != null) ctx.save_data("pwl", pwl);
            // No zero-filled gradient for hLast (never used); it also keeps the backward independent
            // of the output cache that TorchSharp allocates inside Run's dispose scope.
            ctx.set_materialize_grads(false);
            return [y, hLast];
        }

        public override List<Tensor> backward(AutogradContext ctx, List<Tensor> grads)
        {
            var s = (SelectiveScanKernel.Dims)ctx.get_data("dims");
            var pwl = Fused ? ctx.get_data("pwl") as SelectiveScanPwl : null;
            var ins = ctx.get_saved_variables().ToArray();
            try
            {
                using var dy = grads[0] is { IsInvalid: false } g0 ? g0.contiguous() : zeros(s.Bt, s.L, s.Din);
                var du = empty(s.Bt, s.L, s.Din);
                var ddelta = empty(s.Bt, s.L, s.Din);
                var ddecay = Fused ? empty(s.Din, s.N) : empty(s.Bt, s.L, s.Din, s.N);
                var dB = empty(s.Bt, s.L, s.N);
                var dC = empty(s.Bt, s.L, s.N);
                var dD = empty(s.Din);
                var g = new SelectiveScanKernel.Grads
                {
                    Dy = TensorMemory.Ptr(dy), U = TensorMemory.Ptr(du), Delta = TensorMemory.Ptr(ddelta),
                    B = TensorMemory.Ptr(dB), C = TensorMemory.Ptr(dC), D = TensorMemory.Ptr(dD),
                };
                if (Fused) g.A = TensorMemory.Ptr(ddecay); else g.Abar = TensorMemory.Ptr(ddecay);
                if (pwl != null) g.PwlSums = new double[pwl.Sums];
                SelectiveScanKernel.Backward(s, Pointers(ins, pwl), g, get_num_threads());
                if (pwl is null) return [du, ddelta, ddecay, dB, dC, dD, null!, null!];
                var (gk, gv) = pwl.Gradients(g.PwlSums!);
                return [du, ddelta, ddecay, dB, dC, dD, null!, null!, tensor(gk), tensor(gv)];
            }
            finally
            {
                foreach (var t in ins) t?.Dispose();
            }
        }

        private SelectiveScanKernel.Inputs Pointers(Tensor?[] ins, SelectiveScanPwl? pwl)
        {
            var p = new SelectiveScanKernel.Inputs
            {
                Pwl = pwl,
                U = TensorMemory.Ptr(ins[0]!), Delta = TensorMemory.Ptr(ins[1]!), B = TensorMemory.Ptr(ins[3]!),
                C = TensorMemory.Ptr(ins[4]!), D = TensorMemory.Ptr(ins[5]!), H0 = ins[6] is null ? null : TensorMemory.Ptr(ins[6]!),
            };
            if (Fused) p.A = TensorMemory.Ptr(ins[2]!); else p.Abar = TensorMemory.Ptr(ins[2]!);
            return p;
        }
    }

    private sealed class FusedScan : ScanFunction<FusedScan>
    {
        public override string Name => "SelectiveScan";
        protected override bool Fused => true;
    }

    private sealed class PwlScan : ScanFunction<PwlScan>
    {
        public override string Name => "SelectiveScanPwlExp";
        protected override bool Fused => true;
    }

    private sealed class DecayScan : ScanFunction<DecayScan>
    {
        public override string Name => "SelectiveScanWithDecay";
        protected override bool Fused => false;
    }
}
