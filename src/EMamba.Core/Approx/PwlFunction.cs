namespace EMamba.Core.Approx;

/// <summary>The functions eMamba approximates, with the tails their hardware units use outside the
/// knot range: SiLU is 0 below and the identity above; exp is 0 below and saturates at the last
/// value above (A_bar cannot exceed its largest code).
/// exp here is A_bar's function: its input delta*A is never positive (delta &gt;= 0, A &lt; 0), so
/// A_bar lies in (0, 1], and exp tables keep their values in [0, 1]. That is a stability guarantee,
/// not a nicety: a table whose chord rises above 1 just below 0 (the uniform [-4, 1] grid gives 1.015
/// there) makes the state grow by that factor every token, and a 4096-token sequence overflows.</summary>
public enum PwlFunction { Silu, Exp }

public static class PwlFunctions
{
    public static readonly PwlFunction[] All = [PwlFunction.Silu, PwlFunction.Exp];

    public static string Name(this PwlFunction f) => f == PwlFunction.Silu ? "silu" : "exp";

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
    public static double Admissible(this PwlFunction f, double v) => f == PwlFunction.Exp && !double.IsNaN(v) ? Math.Clamp(v, 0, 1) : v;

    /// <summary>The paper's defaults: SiLU 17 segments on [-7, 7]; exp 11 segments on [-4, 1].</summary>
    public static (int Segments, double Lo, double Hi) Default(this PwlFunction f) =>
        f == PwlFunction.Silu ? (17, -7, 7) : (11, -4, 1);
}
