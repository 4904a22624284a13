using EMamba.Core.Integer;

namespace EMamba.Hardware;

/// <summary>The analytical cycle count of one inference on the generated accelerator (docs/hardware.md,
/// "Cycle model"), from start sampled to done inclusive, with the input stream valid and the output
/// stream ready on every cycle: 1 (start) + input codes + T x (sum of per-token steps) + the head +
/// output codes + 1 (done), each step costing one start cycle plus its unit's work. Co-simulation
/// tests prove it equal to the simulators' count.</summary>
public sealed record CycleModel(long Load, long PerToken, int Tokens, long Head, long Unload, IReadOnlyList<(Step Step, long Cycles)> Steps)
{
    public long Total => 1 + Load + PerToken * Tokens + Head + Unload + 1;

    /// <summary>Latency of one inference at the config's clock target, in microseconds.</summary>
    public double Microseconds(AcceleratorConfig c) => Total / c.ClockMhz;

    public static CycleModel Of(IntModel m, AcceleratorConfig c)
    {
        var steps = Schedule.Of(m, c).Select(s => (s, (long)s.Work + 1)).ToList();
        var cfg = m.Config;
        return new CycleModel(cfg.InChannels * cfg.Height * cfg.Width, steps.Where(s => s.s.PerToken).Sum(s => s.Item2), m.Tokens,
            steps.Where(s => !s.s.PerToken).Sum(s => s.Item2), cfg.NumOutputs, steps);
    }
}
