namespace EMamba.Hardware.Sweep;

/// <summary>Where a sweep point's area comes from: the iso-multiplier model (multipliers and memory bits,
/// docs/cost.md) or yosys's generic gate-level netlist priced by the 22 nm cell table (docs/synthesis.md).
/// Both are estimates; the second counts every gate and flip-flop the RTL has.</summary>
public enum AreaSource { Modelled, Synthesized }

/// <summary>One accelerator config of a sweep and its figures: cycles from the cycle model (equal to the RTL's,
/// docs/results/hardware.md), energy from <see cref="Cost.EnergyModel"/>, area per <see cref="Source"/>.</summary>
public sealed record SweepPoint(
    AcceleratorConfig Config, long Cycles, long InitiationInterval, string Bottleneck, double Microseconds,
    double Nanojoules, double Milliwatts, int Multipliers, long MemoryBits, double AreaMm2, AreaSource Source,
    long? Gates = null, long? Flops = null)
{
    /// <summary>The sweep file's key of this point: the config's JSON (what the RTL is generated from).</summary>
    public string Key => Config.ToJson();
}
