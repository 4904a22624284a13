namespace EMamba.Search;

/// <summary>The selection of NSGA-II (Deb, Pratap, Agarwal, Meyarivan, IEEE TEC 2002): fast
/// non-dominated sorting into fronts, crowding distance within a front, and survival by (front,
/// -crowding). All objectives are minimised. Ties are broken by index, so a selection is a pure
/// function of its input order: studies that replay the same trials select the same parents.</summary>
public static class Nsga2
{
    /// <summary>The fronts, best first: front 0 holds the points no other point dominates, front k the
    /// points only points of fronts before k dominate. Each front lists indices in increasing order.</summary>
    public static List<List<int>> Fronts(IReadOnlyList<double[]> points)
    {
        int n = points.Count;
        var dominated = new List<int>[n];   // the points i dominates
        var count = new int[n];             // how many points dominate i
        for (int i = 0; i < n; i++) dominated[i] = [];
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++)
            {
                if (Dominance.Dominates(points[i], points[j])) { dominated[i].Add(j); count[j]++; }
                else if (Dominance.Dominates(points[j], points[i])) { dominated[j].Add(i); count[i]++; }
            }
        var fronts = new List<List<int>>();
        var current = Enumerable.Range(0, n).Where(i => count[i] == 0).ToList();
        while (current.Count > 0)
        {
            fronts.Add(current);
            var next = new List<int>();
            foreach (int i in current)
                foreach (int j in dominated[i])
                    if (--count[j] == 0) next.Add(j);
            next.Sort();
            current = next;
        }
        return fronts;
    }

    /// <summary>Crowding distance of each point of one front (same order as <paramref name="front"/>):
    /// per objective, the normalised gap between its neighbours, summed; the extremes of any objective
    /// get +infinity so that the front's ends always survive.</summary>
    public static double[] Crowding(IReadOnlyList<double[]> points, IReadOnlyList<int> front)
    {
        int m = front.Count;
        var d = new double[m];
        if (m == 0) return d;
        int k = points[front[0]].Length;
        for (int o = 0; o < k; o++)
        {
            var order = Enumerable.Range(0, m).OrderBy(i => points[front[i]][o]).ThenBy(i => front[i]).ToArray();
            double lo = points[front[order[0]]][o], hi = points[front[order[^1]]][o];
            d[order[0]] = d[order[^1]] = double.PositiveInfinity;
            if (hi <= lo) continue;
            for (int r = 1; r < m - 1; r++)
                d[order[r]] += (points[front[order[r + 1]]][o] - points[front[order[r - 1]]][o]) / (hi - lo);
        }
        return d;
    }

    /// <summary>The <paramref name="count"/> survivors: whole fronts in order, the last one cut by decreasing
    /// crowding distance (ties by index).</summary>
    public static List<int> Select(IReadOnlyList<double[]> points, int count)
    {
        if (count < 0 || count > points.Count) throw new ArgumentOutOfRangeException(nameof(count), $"{count} survivors of {points.Count} points");
        var chosen = new List<int>(count);
        foreach (var front in Fronts(points))
        {
            if (chosen.Count + front.Count <= count) { chosen.AddRange(front); continue; }
            var crowd = Crowding(points, front);
            chosen.AddRange(Enumerable.Range(0, front.Count).OrderByDescending(i => crowd[i]).ThenBy(i => front[i]).Take(count - chosen.Count).Select(i => front[i]));
            break;
        }
        return chosen;
    }
}
