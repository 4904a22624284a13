namespace EMamba.Search;

/// <summary>Pareto dominance for objectives that are all minimised (a maximised metric enters negated).</summary>
public static class Dominance
{
    /// <summary>True when <paramref name="a"/> is no worse than <paramref name="b"/> in every objective and better in one.</summary>
    public static bool Dominates(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"objective vectors of {a.Length} and {b.Length} values");
        bool better = false;
        for (int i = 0; i < a.Length; i++)
        {
            if (a[i] > b[i]) return false;
            if (a[i] < b[i]) better = true;
        }
        return better;
    }
}
