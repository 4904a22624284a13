using EMamba.Search.Space;

namespace EMamba.Search.Samplers;

/// <summary>Uniform draws from a domain, and the encoding NSGA-II varies: a numeric parameter is one real
/// coordinate (its logarithm for a log range), a categorical one the index of its choice.</summary>
internal static class Draw
{
    /// <summary>How often a sampler draws again when a point is not a valid model before handing it out anyway.</summary>
    public const int MaxAttempts = 100;

    public static object Uniform(ParamDomain d, Random rng) => d switch
    {
        Fixed f => f.Value,
        IntRange { Log: true } r => r.Nearest(Math.Exp(Between(Math.Log(r.Low - 0.5), Math.Log(r.High + 0.5), rng))),
        IntRange r => r.Low + rng.Next(r.Count) * r.Step,
        FloatRange { Log: true } r => Math.Clamp(Math.Exp(Between(Math.Log(r.Low), Math.Log(r.High), rng)), r.Low, r.High),
        FloatRange r => Math.Clamp(Between(r.Low, r.High, rng), r.Low, r.High),
        Categorical c => c.Choices[rng.Next(c.Choices.Count)],
        _ => throw new ArgumentException($"domain {d.GetType().Name}"),
    };

    private static double Between(double lo, double hi, Random rng) => lo + rng.NextDouble() * (hi - lo);

    /// <summary>The encoded interval of a numeric domain.</summary>
    public static (double Lo, double Hi) Bounds(ParamDomain d) => d switch
    {
        IntRange r => r.Log ? (Math.Log(r.Low), Math.Log(r.Top)) : (r.Low, r.Top),
        FloatRange r => r.Log ? (Math.Log(r.Low), Math.Log(r.High)) : (r.Low, r.High),
        _ => throw new ArgumentException($"{d.GetType().Name} has no interval"),
    };

    public static double Encode(ParamDomain d, object v) => d switch
    {
        IntRange r => r.Log ? Math.Log((int)v) : (int)v,
        FloatRange r => r.Log ? Math.Log((double)v) : (double)v,
        Categorical c => c.IndexOf(v),
        _ => throw new ArgumentException($"{d.GetType().Name} is not encoded"),
    };

    /// <summary>The value of an encoded coordinate: ints rounded to the grid and clamped, reals clamped.</summary>
    public static object Decode(ParamDomain d, double x) => d switch
    {
        IntRange r => r.Nearest(r.Log ? Math.Exp(x) : x),
        FloatRange r => Math.Clamp(r.Log ? Math.Exp(x) : x, r.Low, r.High),
        Categorical c => c.Choices[(int)x],
        _ => throw new ArgumentException($"{d.GetType().Name} is not encoded"),
    };
}
