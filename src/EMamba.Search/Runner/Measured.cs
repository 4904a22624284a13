using EMamba.Search.Space;

namespace EMamba.Search.Runner;

/// <summary>Everything a trial measures, in the units the report shows: the task metric on the validation split
/// (float with the candidate's tables, and INT8 in the integer engine), parameters (tables included), cycles per
/// inference in the cycle model and energy per inference (nJ) in the energy model. No area: the cost model has
/// no area figure yet (issue 18).</summary>
public sealed record Measured(double MetricFp32, double MetricInt8, long Params, long Cycles, double EnergyNj)
{
    public double this[ObjectiveKind k] => k switch
    {
        ObjectiveKind.MetricFp32 => MetricFp32,
        ObjectiveKind.MetricInt8 => MetricInt8,
        ObjectiveKind.Params => Params,
        ObjectiveKind.Cycles => Cycles,
        ObjectiveKind.Energy => EnergyNj,
        _ => throw new NotSupportedException($"{Objective.Name(k)} is not measured yet"),
    };

    /// <summary>The values of <paramref name="objectives"/>, in their order (what the storage keeps).</summary>
    public double[] Values(IReadOnlyList<Objective> objectives) => [.. objectives.Select(o => this[o.Kind])];
}
