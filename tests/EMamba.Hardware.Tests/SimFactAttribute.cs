namespace EMamba.Hardware.Tests;

/// <summary>A fact that needs RTL simulators: skipped, with the reason, only when one is not installed
/// (build/setup.sh test installs verilator and iverilog).</summary>
public sealed class SimFactAttribute : FactAttribute
{
    public SimFactAttribute(params Simulator[] sims)
    {
        foreach (var s in sims.Length == 0 ? [Simulator.Verilator, Simulator.Icarus] : sims)
            if (Simulation.Missing(s) is { } tool) { Skip = $"{tool} is not installed (run build/setup.sh test)"; return; }
    }
}
