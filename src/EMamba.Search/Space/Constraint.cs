using System.Text.Json;

namespace EMamba.Search.Space;

public enum Bound { Max, Min }

/// <summary>A limit on one measured quantity (JSON: "max_params": 20000, "max_cycles": 1000, "min_metric_int8": 90).
/// A violation is the excess relative to the limit, so constraints of different units add up in one total.</summary>
public sealed record Constraint(ObjectiveKind Kind, Bound Bound, double Limit)
{
    public string Key => JsonNamingPolicy.SnakeCaseLower.ConvertName(Bound.ToString()) + "_" + Objective.Name(Kind);

    /// <summary>0 when met; else how far past the limit, as a fraction of |limit| (of 1 for a limit of 0).
    /// A value that is not a number violates by +infinity.</summary>
    public double Violation(double value)
    {
        if (double.IsNaN(value)) return double.PositiveInfinity;
        double excess = Bound == Bound.Max ? value - Limit : Limit - value;
        return excess <= 0 ? 0 : excess / (Limit == 0 ? 1 : Math.Abs(Limit));
    }

    /// <summary>The total violation of a trial's measurements. A constrained quantity that was not measured
    /// counts as violated by +infinity: a trial must not pass a limit by failing to report it.</summary>
    public static double Total(IEnumerable<Constraint> constraints, IReadOnlyDictionary<ObjectiveKind, double> measured) =>
        constraints.Sum(c => measured.TryGetValue(c.Kind, out double v) ? c.Violation(v) : double.PositiveInfinity);
}
