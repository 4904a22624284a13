namespace EMamba.Search.Samplers;

/// <summary>Deb's constrained domination (Deb, "An efficient constraint handling method for genetic
/// algorithms", CMAME 2000; NSGA-II paper, section V): a feasible point beats an infeasible one, of two
/// infeasible points the one with the smaller total violation wins, and feasible points compare by Pareto
/// dominance. A NaN violation counts as +infinity.</summary>
public static class ConstrainedDominance
{
    public static bool Dominates(double[] a, double violationA, double[] b, double violationB)
    {
        double va = Clean(violationA), vb = Clean(violationB);
        if (va == 0 && vb == 0) return Dominance.Dominates(a, b);
        return va < vb;
    }

    private static double Clean(double v) => double.IsNaN(v) ? double.PositiveInfinity : Math.Max(0, v);

    /// <summary>The rank and crowding distance of each observation (which must all have objectives): the
    /// feasible ones by NSGA-II's fronts and crowding; the infeasible ones after every feasible front, one
    /// rank per distinct violation (smaller first), crowding 0.</summary>
    public static (int Rank, double Crowding)[] Rank(IReadOnlyList<Observation> obs)
    {
        var r = new (int, double)[obs.Count];
        var feasible = Enumerable.Range(0, obs.Count).Where(i => Clean(obs[i].Violation) == 0).ToList();
        var points = feasible.Select(i => obs[i].Objectives!).ToList();
        var fronts = Nsga2.Fronts(points);
        for (int f = 0; f < fronts.Count; f++)
        {
            var crowd = Nsga2.Crowding(points, fronts[f]);
            for (int j = 0; j < fronts[f].Count; j++) r[feasible[fronts[f][j]]] = (f, crowd[j]);
        }
        var violations = Enumerable.Range(0, obs.Count).Where(i => Clean(obs[i].Violation) > 0).Select(i => Clean(obs[i].Violation)).Distinct().Order().ToList();
        for (int i = 0; i < obs.Count; i++)
            if (Clean(obs[i].Violation) > 0) r[i] = (fronts.Count + violations.IndexOf(Clean(obs[i].Violation)), 0);
        return r;
    }

    /// <summary>The <paramref name="count"/> survivors under constrained domination: NSGA-II's selection
    /// (<see cref="Nsga2.Select"/>) among the feasible observations, then the infeasible ones by increasing
    /// violation; ties by index.</summary>
    public static List<int> Select(IReadOnlyList<Observation> obs, int count)
    {
        if (count < 0 || count > obs.Count) throw new ArgumentOutOfRangeException(nameof(count), $"{count} survivors of {obs.Count} observations");
        var feasible = Enumerable.Range(0, obs.Count).Where(i => Clean(obs[i].Violation) == 0).ToList();
        var chosen = Nsga2.Select(feasible.Select(i => obs[i].Objectives!).ToList(), Math.Min(count, feasible.Count)).Select(j => feasible[j]).ToList();
        chosen.AddRange(Enumerable.Range(0, obs.Count).Where(i => Clean(obs[i].Violation) > 0)
            .OrderBy(i => Clean(obs[i].Violation)).ThenBy(i => i).Take(count - chosen.Count));
        return chosen;
    }
}
