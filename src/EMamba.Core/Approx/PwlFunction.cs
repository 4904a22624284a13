namespace EMamba.Core.Approx;

/// <summary>The functions eMamba approximates. What a table of each does outside its knots, and which
/// values it may hold, is data: <see cref="PwlRule"/> (<see cref="PwlFunctions.Rule"/>).
/// exp here is A_bar's function: its input delta*A is never positive (delta &gt;= 0, A &lt; 0), so
/// A_bar lies in (0, 1], and exp tables keep their values in [0, 1]. That is a stability guarantee,
/// not a nicety: a table whose chord rises above 1 just below 0 (the uniform [-4, 1] grid gives 1.015
/// there) makes the state grow by that factor every token, and a 4096-token sequence overflows.</summary>
public enum PwlFunction { Silu, Exp }

/// <summary>The one definition of a piecewise-linear unit outside its table, shared by every evaluator
/// (double here in <see cref="PwlTable.Eval"/>, float32 in training's autograd kernel and in the fused
/// scan's in-kernel exp, and later the integer engine and the RTL):
/// <code>
///   y(x) = interp(clamp(x, k_0, k_K))  +  BelowSlope * min(x - k_0, 0)  +  AboveSlope * max(x - k_K, 0)
/// </code>
/// i.e. clamp the input to the knot range, look it up, and continue with a straight tail of the given
/// slope through the end knot (a slope of 0 holds the end value). The result is continuous at both
/// ends whatever the table, so float rounding of an input near an end knot cannot flip its output.
/// Table values are clipped into [ValueMin, ValueMax] (exp: [0, 1]) whenever a table is made, loaded
/// or stepped. <see cref="Pins"/> are points that stay exactly where they are while fine-tuning when a
/// table has a knot there with that value (exp: A_bar(0) = 1, a zero Delta carries the state).</summary>
public sealed record PwlRule(double BelowSlope, double AboveSlope, double ValueMin, double ValueMax, IReadOnlyList<(double X, double Y)> Pins)
{
    /// <summary>SiLU: holds v_0 below the range, continues with slope 1 above it (SiLU(x) -> x).</summary>
    public static readonly PwlRule Silu = new(0, 1, double.NegativeInfinity, double.PositiveInfinity, []);

    /// <summary>exp: holds v_0 below and v_K above (saturation: A_bar cannot exceed its largest code),
    /// values in [0, 1], the knot at 0 with value 1 pinned.</summary>
    public static readonly PwlRule Exp = new(0, 0, 0, 1, [(0.0, 1.0)]);

    /// <summary>A table value brought into [ValueMin, ValueMax] (NaN stays NaN, for the validation to name).</summary>
    public double Clip(double v) => double.IsNaN(v) ? v : Math.Clamp(v, ValueMin, ValueMax);

    /// <summary>The tail beyond an end knot: the end value, plus slope times the distance when the
    /// slope is not 0 (so an infinite input with a flat tail gives the end value, not NaN).</summary>
    public static double Tail(double value, double slope, double distance) => slope == 0 ? value : value + slope * distance;

    /// <summary>The float32 tail, the same rule in float arithmetic.</summary>
    public static float Tail(float value, float slope, float distance) => slope == 0 ? value : value + slope * distance;
}

public static class PwlFunctions
{
    public static readonly PwlFunction[] All = [PwlFunction.Silu, PwlFunction.Exp];

    public static string Name(this PwlFunction f) => f == PwlFunction.Silu ? "silu" : "exp";

    /// <summary>The function's tails, value clip and pins (see <see cref="PwlRule"/>).</summary>
    public static PwlRule Rule(this PwlFunction f) => f == PwlFunction.Silu ? PwlRule.Silu : PwlRule.Exp;

    public static PwlFunction Parse(string name, string source) => name switch
    {
        "silu" => PwlFunction.Silu,
        "exp" => PwlFunction.Exp,
        _ => throw new ConfigException(source, [$"function '{name}' is not one of silu, exp"]),
    };

    /// <summary>The function a table approximates: SiLU, or exp capped at exp(0) = 1 (see above).</summary>
    public static double Exact(this PwlFunction f, double x) => f == PwlFunction.Silu ? x / (1 + Math.Exp(-x)) : Math.Exp(Math.Min(x, 0));

    /// <summary>A table value brought into the function's admissible range: exp values into [0, 1]
    /// (NaN stays NaN, for the validation to name).</summary>
    public static double Admissible(this PwlFunction f, double v) => f.Rule().Clip(v);

    /// <summary>The paper's defaults: SiLU 17 segments on [-7, 7]; exp 11 segments on [-4, 1].</summary>
    public static (int Segments, double Lo, double Hi) Default(this PwlFunction f) =>
        f == PwlFunction.Silu ? (17, -7, 7) : (11, -4, 1);
}
