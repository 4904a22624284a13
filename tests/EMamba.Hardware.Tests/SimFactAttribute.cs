namespace EMamba.Hardware.Tests;

/// <summary>A fact that needs the given simulators (both when none is named); skipped, with the reason, when one is missing.</summary>
public sealed class SimFactAttribute : FactAttribute
{
    public SimFactAttribute(params Simulator[] sims) => Skip = SimSkip.Reason(sims);
}

/// <summary>The same for a theory.</summary>
public sealed class SimTheoryAttribute : TheoryAttribute
{
    public SimTheoryAttribute(params Simulator[] sims) => Skip = SimSkip.Reason(sims);
}

internal static class SimSkip
{
    public static string? Reason(Simulator[] sims)
    {
        foreach (var s in sims.Length == 0 ? [Simulator.Verilator, Simulator.Icarus] : sims)
            if (Simulation.Missing(s) is { } tool) return $"{tool} is not installed (run build/setup.sh test)";
        return null;
    }
}
