namespace EMamba.Search;

/// <summary>The hypervolume of a set of points (all objectives minimised) against a reference point: the
/// measure of the region the set dominates and the reference bounds. Exact for two objectives (a sweep)
/// and three (slices along the third, each a two-objective sweep); points not strictly better than the
/// reference in every objective add nothing.</summary>
public static class Hypervolume
{
    public static double Of(IEnumerable<double[]> points, double[] reference)
    {
        var p = points.Where(x => x.Length == reference.Length && x.Zip(reference).All(t => t.First < t.Second)).ToList();
        return reference.Length switch
        {
            2 => TwoD(p.Select(x => (x[0], x[1])), reference[0], reference[1]),
            3 => ThreeD(p, reference),
            _ => throw new NotSupportedException($"hypervolume of {reference.Length} objectives: 2 or 3 are supported"),
        };
    }

    private static double TwoD(IEnumerable<(double X, double Y)> pts, double rx, double ry)
    {
        double area = 0, bestY = ry;
        foreach (var (x, y) in pts.OrderBy(q => q.X).ThenBy(q => q.Y))
        {
            if (y >= bestY) continue;   // dominated by a point of smaller x
            area += (rx - x) * (bestY - y);
            bestY = y;
        }
        return area;
    }

    private static double ThreeD(List<double[]> pts, double[] r)
    {
        // Sweep z upwards: between consecutive z values the dominated slice is the 2-D hypervolume of the points at or below.
        var zs = pts.Select(q => q[2]).Append(r[2]).Distinct().OrderBy(z => z).ToList();
        double vol = 0;
        for (int i = 0; i + 1 < zs.Count; i++)
            vol += (zs[i + 1] - zs[i]) * TwoD(pts.Where(q => q[2] <= zs[i]).Select(q => (q[0], q[1])), r[0], r[1]);
        return vol;
    }
}
