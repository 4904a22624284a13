using EMamba.Core.Integer;

namespace EMamba.Hardware;

/// <summary>The accelerator's sequential schedule (docs/hardware.md, "Schedule"): the operations of one
/// token in pipeline order, each run to completion by its unit before the next starts, then the head
/// once per sample. The RTL generator makes one pair of FSM states per step; the cycle model sums
/// their cycles. <see cref="Work"/> is a step's cycles after the one-cycle start state.</summary>
public sealed record Step(string Name, StepKind Kind, int Work, bool PerToken);

/// <summary>Which unit runs a step.</summary>
public enum StepKind { Linear, RangeNorm, Conv, Pwl, Scan, Gate, Residual }

public static class Schedule
{
    /// <summary>Cycles of a linear layer on a unit with <paramref name="lanes"/> MACs per cycle: per
    /// output row ceil(In / lanes) MAC cycles and one write cycle.</summary>
    public static int LinearWork(IntLinear l, int lanes) => l.OutFeatures * ((l.InFeatures + lanes - 1) / lanes + 1);

    /// <summary>Two passes over D (statistics, then output) and one reciprocal lookup.</summary>
    public static int NormWork(IntRangeNorm n) => 2 * n.Width + 1;

    public static List<Step> Of(IntModel m, AcceleratorConfig c)
    {
        if (m.Embed is not { } embed || m.Head is not { } head) throw new ArgumentException("the accelerator runs vision / radar models; language models are not supported yet", nameof(m));
        int lanes = c.LinearLanes;
        var s = new List<Step> { new("embed", StepKind.Linear, LinearWork(embed, lanes), true) };
        foreach (var b in m.Blocks)
        {
            string p = $"blocks.{b.Index}.";
            s.Add(new(p + "norm", StepKind.RangeNorm, NormWork(b.Norm), true));
            s.Add(new(p + "in_proj", StepKind.Linear, LinearWork(b.InProj, lanes), true));
            s.Add(new(p + "conv", StepKind.Conv, b.DInner, true));
            if (b.ConvSilu != null) s.Add(new(p + "conv_silu", StepKind.Pwl, b.DInner, true));
            s.Add(new(p + "x_proj", StepKind.Linear, LinearWork(b.XProj, lanes), true));
            s.Add(new(p + "dt_proj", StepKind.Linear, LinearWork(b.DtProj, lanes), true));
            s.Add(new(p + "scan", StepKind.Scan, b.DInner * b.DState, true));
            s.Add(new(p + "gate", StepKind.Gate, b.DInner, true));
            s.Add(new(p + "out_proj", StepKind.Linear, LinearWork(b.OutProj, lanes), true));
            s.Add(new(p + "residual", StepKind.Residual, m.Config.DModel, true));
        }
        s.Add(new("norm_f", StepKind.RangeNorm, NormWork(m.FinalNorm), true));
        s.Add(new("head", StepKind.Linear, LinearWork(head, lanes), false));
        return s;
    }
}
