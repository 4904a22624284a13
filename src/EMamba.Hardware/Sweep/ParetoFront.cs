namespace EMamba.Hardware.Sweep;

/// <summary>The non-dominated points of a list under minimised objectives (ties keep both).</summary>
public static class ParetoFront
{
    public static bool[] Of<T>(IReadOnlyList<T> items, params Func<T, double>[] objectives)
    {
        var front = new bool[items.Count];
        for (int i = 0; i < items.Count; i++)
        {
            front[i] = true;
            for (int j = 0; j < items.Count && front[i]; j++)
                if (j != i && Dominates(items[j], items[i], objectives)) front[i] = false;
        }
        return front;
    }

    private static bool Dominates<T>(T a, T b, Func<T, double>[] objectives)
    {
        bool better = false;
        foreach (var f in objectives)
        {
            double x = f(a), y = f(b);
            if (x > y) return false;
            if (x < y) better = true;
        }
        return better;
    }
}
