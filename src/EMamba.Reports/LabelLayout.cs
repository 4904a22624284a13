namespace EMamba.Reports;

/// <summary>Keeps point labels of a scatter plot from printing over each other: models with nearly
/// the same size and score (exact Mamba and its eMamba variants) would otherwise stack their names.</summary>
public static class LabelLayout
{
    /// <summary>Vertical pixel offsets (positive = down) for labels drawn to the right of their points.
    /// Labels are placed top to bottom; one that would overlap a placed label's box moves below it.
    /// Points and boxes are in pixels (y grows downwards).</summary>
    public static double[] Offsets(IReadOnlyList<(double X, double Y, double Width)> labels, double height)
    {
        var offsets = new double[labels.Count];
        var placed = new List<(double X, double Top, double Width)>();
        foreach (int i in Enumerable.Range(0, labels.Count).OrderBy(i => labels[i].Y).ThenBy(i => labels[i].X))
        {
            var (x, y, w) = labels[i];
            double top = y;
            bool moved = true;
            while (moved)
            {
                moved = false;
                foreach (var p in placed)
                    if (x < p.X + p.Width && p.X < x + w && top < p.Top + height && p.Top < top + height)
                    {
                        top = p.Top + height;
                        moved = true;
                    }
            }
            offsets[i] = top - y;
            placed.Add((x, top, w));
        }
        return offsets;
    }
}
