namespace EMamba.Search.Space;

/// <summary>The values one parameter may take. A sample of an <see cref="IntRange"/> is an <c>int</c>, of a
/// <see cref="FloatRange"/> a <c>double</c>; a <see cref="Fixed"/> or <see cref="Categorical"/> value is
/// whatever its choices hold (an int, double, bool, enum or string, as the parameter's
/// <see cref="KnobKind"/> reads them).</summary>
public abstract record ParamDomain
{
    /// <summary>Whether a sampler has anything to choose (a range of one value counts as fixed).</summary>
    public abstract bool Varies { get; }

    public abstract bool Contains(object value);
}

/// <summary>One value, never varied.</summary>
public sealed record Fixed(object Value) : ParamDomain
{
    public override bool Varies => false;
    public override bool Contains(object value) => Equals(Value, value);
}

/// <summary>low, low + step, ... up to high; with <paramref name="Log"/> sampled uniformly in log space
/// (step 1 only, low >= 1: the grid of a log range would not be even in either space).</summary>
public sealed record IntRange(int Low, int High, int Step = 1, bool Log = false) : ParamDomain
{
    /// <summary>The largest grid value (high itself when step divides the width).</summary>
    public int Top => Low + (High - Low) / Step * Step;
    public int Count => (High - Low) / Step + 1;
    public override bool Varies => Count > 1;
    public override bool Contains(object value) => value is int v && v >= Low && v <= High && (v - Low) % Step == 0;

    /// <summary>The grid value nearest to <paramref name="x"/> (ties upwards), inside the range.</summary>
    public int Nearest(double x)
    {
        double k = Math.Round((x - Low) / Step, MidpointRounding.AwayFromZero);
        return Low + (int)Math.Clamp(k, 0, Count - 1) * Step;
    }
}

/// <summary>A real interval [low, high], optionally sampled in log space (low > 0).</summary>
public sealed record FloatRange(double Low, double High, bool Log = false) : ParamDomain
{
    public override bool Varies => High > Low;
    public override bool Contains(object value) => value is double v && v >= Low && v <= High;
}

/// <summary>One of a list of values; no order among them is assumed.</summary>
public sealed record Categorical(IReadOnlyList<object> Choices) : ParamDomain
{
    public override bool Varies => Choices.Count > 1;
    public override bool Contains(object value) => IndexOf(value) >= 0;

    public int IndexOf(object value)
    {
        for (int i = 0; i < Choices.Count; i++) if (Equals(Choices[i], value)) return i;
        return -1;
    }
}

/// <summary>A named parameter of a search space.</summary>
public sealed record Parameter(string Name, ParamDomain Domain);
