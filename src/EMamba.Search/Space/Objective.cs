using System.Text.Json;
using EMamba.Core;

namespace EMamba.Search.Space;

/// <summary>What a trial is scored on (JSON: metric_fp32, metric_int8, params, cycles, area, energy).</summary>
public enum ObjectiveKind
{
    /// <summary>The task metric of the float model with the candidate's PWL tables (after approximation).</summary>
    MetricFp32,
    /// <summary>The task metric of the quantized model in the integer engine.</summary>
    MetricInt8,
    /// <summary>Trainable parameters (<c>ModelConfig.ParameterCount</c> plus the PWL knots and values).</summary>
    Params,
    /// <summary>Cycles per inference in the hardware cycle model.</summary>
    Cycles,
    /// <summary>Area of the accelerator in the hardware cost model.</summary>
    Area,
    /// <summary>Energy per inference in the hardware cost model.</summary>
    Energy,
}

public enum Direction { Minimize, Maximize }

/// <summary>One objective and its direction. Samplers minimise: <see cref="Minimised"/> negates a maximised one.</summary>
public sealed record Objective(ObjectiveKind Kind, Direction Direction)
{
    public double Minimised(double value) => Direction == Direction.Maximize ? -value : value;

    public static string Name(ObjectiveKind k) => JsonNamingPolicy.SnakeCaseLower.ConvertName(k.ToString());

    /// <summary>The direction an objective has when the space does not give one: costs are minimised; the
    /// task metric follows <see cref="TaskInfo.Metric"/> (accuracy up; MAE and perplexity down).</summary>
    public static Direction Implied(ObjectiveKind k, TaskKind task) =>
        k is ObjectiveKind.MetricFp32 or ObjectiveKind.MetricInt8 && TaskInfo.Find(task)?.Metric == "accuracy" ? Direction.Maximize : Direction.Minimize;
}
