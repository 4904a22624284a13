using EMamba.Core;
using EMamba.Core.Approx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using EMamba.Training.Scan;
using Names = EMamba.Core.Checkpoints.TensorNames.Parts;

namespace EMamba.Training.Modules;

/// <summary>One Mamba-1 block with a residual (docs/design.md, "The eMamba block"). The variant switches of
/// <see cref="ModelConfig"/> choose norm, Delta activation and SiLU after the conv.</summary>
public sealed class MambaBlock : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> norm;
    private readonly Linear in_proj;
    private readonly Conv1d conv1d;
    private readonly Linear x_proj;
    private readonly Linear dt_proj;
    private readonly Parameter A_log;
    private readonly Parameter D;
    private readonly Linear out_proj;
    private readonly int dInner, dState, dtRank;
    private readonly bool convSilu, reluDelta, naiveScan;
    private readonly BlockOps ops;

    /// <param name="ops">the model's shared PWL units (used where the config says "pwl") and probe.</param>
    /// <param name="naiveScan">use the time-step loop of TorchSharp ops instead of the fused kernel (benchmarks only).</param>
    public MambaBlock(ModelConfig c, BlockOps ops, bool naiveScan = false) : base(nameof(MambaBlock))
    {
        this.naiveScan = naiveScan;
        this.ops = ops;
        if ((c.Silu == Impl.Pwl) != (ops.Silu != null) || (c.Exp == Impl.Pwl) != (ops.Exp != null))
            throw new ArgumentException("the PWL units passed do not match the config's silu/exp settings");
        dInner = c.DInner; dState = c.DState; dtRank = c.DtRankValue;
        convSilu = c.ConvSilu; reluDelta = c.DeltaAct == DeltaAct.Relu;
        norm = Norms.Create(c.Norm, c.DModel, c.RangeInit);
        in_proj = nn.Linear(c.DModel, 2 * dInner, hasBias: false);
        // Weights only: forward runs the conv itself over [carried inputs | this piece].
        conv1d = nn.Conv1d(dInner, dInner, c.DConv, groups: dInner, bias: true);
        x_proj = nn.Linear(dInner, dtRank + 2 * dState, hasBias: false);
        dt_proj = nn.Linear(dtRank, dInner, hasBias: true);
        out_proj = nn.Linear(dInner, c.DModel, hasBias: false);
        // S4D-real init: A = -(1..N) per channel, stored as log so A stays negative while training.
        A_log = nn.Parameter(arange(1, dState + 1, dtype: float32).log().unsqueeze(0).repeat(dInner, 1).contiguous());
        D = nn.Parameter(ones(dInner));
        InitDt();
        // Checkpoint names are declared in EMamba.Core (TensorNames), not taken from the field names.
        register_parameter(Names.ALog, A_log);
        register_parameter(Names.D, D);
        register_module(Names.Norm, norm);
        register_module(Names.InProj, in_proj);
        register_module(Names.Conv1d, conv1d);
        register_module(Names.XProj, x_proj);
        register_module(Names.DtProj, dt_proj);
        register_module(Names.OutProj, out_proj);
    }

    // Mamba init: Delta starts log-uniform in [1e-3, 1e-1]. softplus needs the inverse-softplus
    // bias; ReLU takes the value itself (an inverse-softplus bias is negative and would be dead).
    private void InitDt()
    {
        using var _ = no_grad();
        double s = Math.Pow(dtRank, -0.5);
        dt_proj.weight!.uniform_(-s, s);
        var dt = (rand(dInner) * (Math.Log(0.1) - Math.Log(1e-3)) + Math.Log(1e-3)).exp().clamp_min(1e-4);
        var bias = reluDelta ? dt : dt + (-(-dt).expm1()).log();
        dt_proj.bias!.copy_(bias);
    }

    private Tensor Silu(Tensor v)
    {
        ops.Probe?.Observe(PwlFunction.Silu, v);
        return ops.Silu?.forward(v) ?? F.silu(v);
    }

    // x: (B, L, D) -> (B, L, D)
    public override Tensor forward(Tensor x) => Forward(x, null, out _);

    /// <summary>Forward from a carried state (zeros when null), returning the state after the last
    /// token (detached), so a sequence fed in pieces gives the same outputs as in one call.</summary>
    public Tensor Forward(Tensor x, BlockState? s0, out BlockState s1)
    {
        using var scope = NewDisposeScope();
        long Bt = x.shape[0], L = x.shape[1], K = conv1d.weight!.shape[2];
        var xz = in_proj.forward(norm.forward(x));                       // (B, L, 2*Din)
        var parts = xz.chunk(2, -1);
        var u = parts[0];                                                 // (B, L, Din)
        var z = parts[1];                                                 // (B, L, Din)
        // Causal depthwise conv: the K-1 inputs before this piece (zeros at the start) lead the window.
        var window = cat([s0?.Conv ?? zeros(Bt, dInner, K - 1, dtype: u.dtype), u.transpose(1, 2)], 2); // (B, Din, K-1+L)
        var convNext = window.narrow(2, L, K - 1).detach();               // (B, Din, K-1)
        u = F.conv1d(window, conv1d.weight!, conv1d.bias, groups: dInner).transpose(1, 2); // (B, L, Din)
        var h0 = s0?.H;
        if (convSilu) u = Silu(u);
        u = u.contiguous();
        var xdbl = x_proj.forward(u);                                     // (B, L, R + 2N)
        var dt = xdbl.narrow(-1, 0, dtRank);
        var Bm = xdbl.narrow(-1, dtRank, dState).contiguous();            // (B, L, N)
        var Cm = xdbl.narrow(-1, dtRank + dState, dState).contiguous();   // (B, L, N)
        var dtp = dt_proj.forward(dt);                                    // (B, L, Din)
        var delta = (reluDelta ? F.relu(dtp) : F.softplus(dtp)).contiguous();
        var A = -A_log.exp();                                             // (Din, N)
        Tensor y, h;                                                      // (B, L, Din), (B, Din, N)
        if (ops.Probe != null || (ops.Exp != null && naiveScan))
        {
            // A_bar built as a tensor: to record its inputs, or as the reference loop's input.
            var dA = delta.unsqueeze(-1) * A;                             // (B, L, Din, N)
            ops.Probe?.Observe(PwlFunction.Exp, dA);
            var abar = ops.Exp?.forward(dA) ?? dA.exp();
            y = naiveScan ? SelectiveScan.NaiveWithDecay(u, delta, abar, Bm, Cm, D, h0, out h)
                          : SelectiveScan.ApplyWithDecay(u, delta, abar, Bm, Cm, D, h0, out h);
        }
        else if (ops.Exp != null)                                         // PWL exp inside the kernel; gradients reach its knots
            y = SelectiveScan.ApplyPwlExp(u, delta, A, Bm, Cm, D, ops.Exp.Knots, ops.Exp.Values, h0, out h);
        else
            y = naiveScan ? SelectiveScan.Naive(u, delta, A, Bm, Cm, D, h0, out h)
                          : SelectiveScan.Apply(u, delta, A, Bm, Cm, D, h0, out h);
        var outp = out_proj.forward(y * Silu(z)) + x;
        s1 = new BlockState(h, convNext).Keep();
        return outp.MoveToOuterDisposeScope();
    }
}
