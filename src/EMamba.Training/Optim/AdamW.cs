using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using EMamba.Training.Scan;

namespace EMamba.Training.Optim;

/// <summary>AdamW (decoupled weight decay, Loshchilov and Hutter). Written out rather than taken from
/// TorchSharp so that its state is a set of named tensors a checkpoint can store and restore exactly.</summary>
public sealed class AdamW
{
    private readonly (string Name, Parameter P, Tensor M, Tensor V, bool Decay)[] slots;
    private readonly double beta1, beta2, eps, weightDecay;

    public long Step { get; private set; }

    /// <param name="decay">which parameters get weight decay (matrices yes; norms, biases, A_log, D no).</param>
    public AdamW(IEnumerable<(string Name, Parameter P)> parameters, Func<string, Parameter, bool> decay,
        double weightDecay, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8)
    {
        this.beta1 = beta1; this.beta2 = beta2; this.eps = eps; this.weightDecay = weightDecay;
        slots = parameters.Select(np => (np.Name, np.P, zeros_like(np.P).DetachFromDisposeScope(),
            zeros_like(np.P).DetachFromDisposeScope(), decay(np.Name, np.P))).ToArray();
    }

    public void ZeroGrad()
    {
        foreach (var s in slots) s.P.grad?.zero_();
    }

    public void StepWith(double lr)
    {
        Step++;
        double bc1 = 1 - Math.Pow(beta1, Step), bc2 = 1 - Math.Pow(beta2, Step);
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        // Scalars made once and disposed at the end: an implicit double -> Scalar conversion makes a
        // temporary native object nothing keeps alive during the call (see BatchNorm2d).
        using Scalar shrink = 1 - lr * weightDecay, b1 = beta1, b2 = beta2, a1 = 1 - beta1, a2 = 1 - beta2,
            bc2s = bc2, e = eps, step = -lr / bc1;
        foreach (var (_, p, m, v, decay) in slots)
        {
            var g = p.grad;
            if (g is null) continue;
            if (decay && weightDecay > 0) p.mul_(shrink);
            m.mul_(b1).add_(g, alpha: a1);
            v.mul_(b2).addcmul_(g, g, value: a2);
            var denom = v.div(bc2s).sqrt_().add_(e);
            p.addcdiv_(m, denom, value: step);
        }
    }

    /// <summary>State as named tensors (m and v of every parameter) for checkpoints.</summary>
    public IEnumerable<(string Name, Tensor T)> State() =>
        slots.SelectMany(s => new[] { ("opt.m." + s.Name, s.M), ("opt.v." + s.Name, s.V) });

    public void LoadState(Func<string, Tensor?> lookup, long step)
    {
        using var _ = no_grad();
        foreach (var s in slots)
        {
            var m = lookup("opt.m." + s.Name) ?? throw new InvalidDataException($"optimizer state for '{s.Name}' missing");
            var v = lookup("opt.v." + s.Name) ?? throw new InvalidDataException($"optimizer state for '{s.Name}' missing");
            s.M.copy_(m); s.V.copy_(v);
        }
        Step = step;
    }
}
