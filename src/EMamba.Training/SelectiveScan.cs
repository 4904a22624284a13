using static TorchSharp.torch;
using static TorchSharp.torch.autograd;

namespace EMamba.Training;

/// <summary>Mamba-1 selective scan (shapes: Bt batch, L length, Din channels, N state):
/// h_t = Abar_t * h_{t-1} + delta_t * B_t * u_t,  y_t = C_t . h_t + D * u_t, with Abar = exp(delta * A).
/// <see cref="Apply(Tensor,Tensor,Tensor,Tensor,Tensor,Tensor)"/> is a custom autograd function over
/// <see cref="ScanKernel"/> (hand-written backward); <see cref="Naive"/> is the time-step loop of
/// TorchSharp ops that it replaces, kept as the reference for tests and benchmarks.</summary>
public static class SelectiveScan
{
    // u, delta: (Bt, L, Din); A: (Din, N); B, C: (Bt, L, N); D: (Din) -> y (Bt, L, Din)
    public static Tensor Apply(Tensor u, Tensor delta, Tensor A, Tensor B, Tensor C, Tensor D)
    {
        var y = Apply(u, delta, A, B, C, D, null, out var h);
        h.Dispose();
        return y;
    }

    /// <summary>With an initial state h0 (Bt, Din, N) or zeros, and the last state out (detached).</summary>
    public static Tensor Apply(Tensor u, Tensor delta, Tensor A, Tensor B, Tensor C, Tensor D, Tensor? h0, out Tensor hLast)
    {
        var dims = Check(u, delta, A, null, B, C, D, h0);
        return Run(FusedFunction.apply, dims, u, delta, A, B, C, D, h0, out hLast);
    }

    /// <summary>Variant with the decay Abar (Bt, L, Din, N) computed by the caller with autograd ops
    /// (e.g. a piecewise-linear exp whose knots are trained): gradients flow back through Abar.</summary>
    public static Tensor ApplyWithDecay(Tensor u, Tensor delta, Tensor Abar, Tensor B, Tensor C, Tensor D, Tensor? h0, out Tensor hLast)
    {
        var dims = Check(u, delta, null, Abar, B, C, D, h0);
        return Run(DecayFunction.apply, dims, u, delta, Abar, B, C, D, h0, out hLast);
    }

    private static Tensor Run(Func<object[], Tensor> apply, (int Bt, int L, int Din, int N) d,
        Tensor u, Tensor delta, Tensor decay, Tensor B, Tensor C, Tensor D, Tensor? h0, out Tensor hLast)
    {
        // Grad mode is off inside a custom function's forward, so whether the backward will need
        // the states is decided here: dims = [Bt, L, Din, N, keep states].
        bool keep = is_grad_enabled() && new[] { u, delta, decay, B, C, D }.Any(t => t.requires_grad);
        var box = new StateBox();
        var y = apply([u, delta, decay, B, C, D, h0 is null ? Empty : h0.detach(), box, new[] { d.Bt, d.L, d.Din, d.N, keep ? 1 : 0 }]);
        hLast = box.Last!;
        return y;
    }

    /// <summary>The reference: one step at a time in TorchSharp ops, as PyTorch users write it.</summary>
    public static Tensor Naive(Tensor u, Tensor delta, Tensor A, Tensor B, Tensor C, Tensor D, Tensor? h0, out Tensor hLast)
    {
        using var scope = NewDisposeScope();
        var abar = (delta.unsqueeze(-1) * A).exp();                        // (Bt, L, Din, N)
        var y = NaiveWithDecay(u, delta, abar, B, C, D, h0, out var h);
        hLast = h.MoveToOuterDisposeScope();
        return y.MoveToOuterDisposeScope();
    }

    public static Tensor NaiveWithDecay(Tensor u, Tensor delta, Tensor Abar, Tensor B, Tensor C, Tensor D, Tensor? h0, out Tensor hLast)
    {
        var (bt, l, din, n) = Check(u, delta, null, Abar, B, C, D, h0);
        using var scope = NewDisposeScope();
        var bu = delta.unsqueeze(-1) * B.unsqueeze(2) * u.unsqueeze(-1);   // (Bt, L, Din, N)
        var h = h0 ?? zeros(bt, din, n);
        var ys = new List<Tensor>();
        for (long t = 0; t < l; t++)
        {
            h = Abar.select(1, t) * h + bu.select(1, t);                     // (Bt, Din, N)
            ys.Add((h * C.select(1, t).unsqueeze(1)).sum(-1));               // (Bt, Din)
        }
        hLast = h.detach().MoveToOuterDisposeScope();
        return (stack(ys, 1) + u * D).MoveToOuterDisposeScope();
    }

    private static readonly System.Buffers.ArrayPool<float> StatePool = System.Buffers.ArrayPool<float>.Create(1 << 28, 64);

    private static readonly Tensor Empty = zeros(0).DetachFromDisposeScope();

    private sealed class StateBox { public Tensor? Last; }

    private static (int Bt, int L, int Din, int N) Check(Tensor u, Tensor delta, Tensor? A, Tensor? Abar, Tensor B, Tensor C, Tensor D, Tensor? h0)
    {
        static string S(Tensor t) => "[" + string.Join(",", t.shape) + "]";
        if (u.dim() != 3) throw new ArgumentException($"selective scan: u must be (Bt, L, Din), got {S(u)}");
        long bt = u.shape[0], l = u.shape[1], din = u.shape[2];
        long n = A is not null ? (A.dim() == 2 ? A.shape[1] : -1) : (Abar!.dim() == 4 ? Abar.shape[3] : -1);
        void Want(string name, Tensor t, params long[] shape)
        {
            if (!t.shape.SequenceEqual(shape))
                throw new ArgumentException($"selective scan: {name} must be [{string.Join(",", shape)}] to match u {S(u)}, got {S(t)}");
            if (t.dtype != ScalarType.Float32) throw new ArgumentException($"selective scan: {name} must be float32, got {t.dtype}");
        }
        Want("u", u, bt, l, din);
        Want("delta", delta, bt, l, din);
        if (n < 0) throw new ArgumentException($"selective scan: {(A is not null ? "A must be (Din, N)" : "Abar must be (Bt, L, Din, N)")}, got {S(A ?? Abar!)}");
        if (A is not null) Want("A", A, din, n); else Want("Abar", Abar!, bt, l, din, n);
        Want("B", B, bt, l, n);
        Want("C", C, bt, l, n);
        Want("D", D, din);
        if (h0 is not null) Want("h0", h0, bt, din, n);
        return checked(((int)bt, (int)l, (int)din, (int)n));
    }

    // vars: u, delta, A|Abar, B, C, D, h0 (empty = zeros), StateBox, int[] dims
    private abstract unsafe class ScanFunction<T> : SingleTensorFunction<T> where T : ScanFunction<T>, new()
    {
        protected abstract bool Fused { get; }

        public override Tensor forward(AutogradContext ctx, params object[] vars)
        {
            var dims = (int[])vars[8];
            int bt = dims[0], l = dims[1], din = dims[2], n = dims[3];
            var ins = Enumerable.Range(0, 7).Select(i => ((Tensor)vars[i]).contiguous()).ToArray();
            var y = empty(bt, l, din);
            var last = empty(bt, din, n);
            // The states (Bt*Din*L*N floats, tens of MB) come from a pool: a fresh large array per
            // call costs a full GC and page faults, several times the scan itself.
            var hs = StatePool.Rent(bt * din * l * n);
            fixed (float* ph = hs)
            {
                var p = Pointers(ins, ph);
                p.Y = TensorMemory.Ptr(y);
                p.HLast = TensorMemory.Ptr(last);
                ScanKernel.Forward(bt, l, din, n, p);
            }
            ((StateBox)vars[7]).Last = last;
            if (dims[4] != 0)
            {
                ctx.save_for_backward([.. ins]);
                ctx.save_data("states", hs);
                ctx.save_data("dims", dims);
            }
            else StatePool.Return(hs);
            return y;
        }

        private ScanPointers Pointers(Tensor[] ins, float* states)
        {
            var p = new ScanPointers
            {
                U = TensorMemory.Ptr(ins[0]), Delta = TensorMemory.Ptr(ins[1]), B = TensorMemory.Ptr(ins[3]),
                C = TensorMemory.Ptr(ins[4]), Dv = TensorMemory.Ptr(ins[5]), H0 = ins[6].numel() == 0 ? null : TensorMemory.Ptr(ins[6]),
                States = states,
            };
            if (Fused) p.A = TensorMemory.Ptr(ins[2]); else p.Abar = TensorMemory.Ptr(ins[2]);
            return p;
        }

        public override List<Tensor> backward(AutogradContext ctx, Tensor grad)
        {
            var ins = ctx.get_saved_variables();
            var hs = (float[])ctx.get_data("states");
            var dims = (int[])ctx.get_data("dims");
            int bt = dims[0], l = dims[1], din = dims[2], n = dims[3];
            using var dy = grad.contiguous();
            var du = empty(bt, l, din);
            var dd = empty(bt, l, din);
            var dDecay = empty(ins[2].shape);
            var dB = zeros(bt, l, n);
            var dC = zeros(bt, l, n);
            var dD = empty(din);
            fixed (float* ph = hs)
            {
                var q = new GradPointers
                {
                    Dy = TensorMemory.Ptr(dy), U = TensorMemory.Ptr(du), Delta = TensorMemory.Ptr(dd), B = TensorMemory.Ptr(dB),
                    C = TensorMemory.Ptr(dC), Dv = TensorMemory.Ptr(dD),
                };
                if (Fused) q.A = TensorMemory.Ptr(dDecay); else q.Abar = TensorMemory.Ptr(dDecay);
                ScanKernel.Backward(bt, l, din, n, Pointers([.. ins], ph), q);
            }
            StatePool.Return(hs);
            return [du, dd, dDecay, dB, dC, dD, null!, null!, null!];
        }
    }

    private sealed class FusedFunction : ScanFunction<FusedFunction>
    {
        public override string Name => "SelectiveScanFused";
        protected override bool Fused => true;
    }

    private sealed class DecayFunction : ScanFunction<DecayFunction>
    {
        public override string Name => "SelectiveScanWithDecay";
        protected override bool Fused => false;
    }
}
