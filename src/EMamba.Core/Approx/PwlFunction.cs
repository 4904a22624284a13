namespace EMamba.Core.Approx;

/// <summary>The functions eMamba approximates, with the tails their hardware units use outside the
/// knot range: SiLU is 0 below and the identity above; exp is 0 below and saturates at the last
/// value above (A_bar cannot exceed its largest code).</summary>
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

    public static double Exact(this PwlFunction f, double x) => f == PwlFunction.Silu ? x / (1 + Math.Exp(-x)) : Math.Exp(x);

    /// <summary>The paper's defaults: SiLU 17 segments on [-7, 7]; exp 11 segments on [-4, 1].</summary>
    public static (int Segments, double Lo, double Hi) Default(this PwlFunction f) =>
        f == PwlFunction.Silu ? (17, -7, 7) : (11, -4, 1);
}
