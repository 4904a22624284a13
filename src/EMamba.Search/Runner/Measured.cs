using EMamba.Search.Space;

namespace EMamba.Search.Runner;

/// <summary>Everything a trial measures, in the units the report shows: the task metric on the validation split
/// (float with the candidate's tables, and INT8 in the integer engine), parameters (tables included), cycles per
/// inference in the cycle model, energy per inference (nJ) in the energy model, and the modelled area (mm2 at
/// 22 nm) when the study asks for it (null otherwise: it needs the RTL text).</summary>
public sealed record Measured(double MetricFp32, double MetricInt8, long Params, long Cycles, double EnergyNj, double? AreaMm2)
{
    public double this[ObjectiveKind k] => k switch
    {
        ObjectiveKind.MetricFp32 => MetricFp32,
        ObjectiveKind.MetricInt8 => MetricInt8,
        ObjectiveKind.Params => Params,
        ObjectiveKind.Cycles => Cycles,
        ObjectiveKind.Energy => EnergyNj,
        ObjectiveKind.Area => AreaMm2 ?? throw new InvalidOperationException("area was not measured: the study has no area objective"),
        _ => throw new NotSupportedException($"{Objective.Name(k)} is not measured yet"),
    };

    /// <summary>The values of <paramref name="objectives"/>, in their order (what the storage keeps).</summary>
    public double[] Values(IReadOnlyList<Objective> objectives) => [.. objectives.Select(o => this[o.Kind])];
}
