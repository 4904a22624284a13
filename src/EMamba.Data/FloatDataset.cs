namespace EMamba.Data;

/// <summary>Float inputs, each sample planar C x H x W (row-major), with <see cref="Dims"/> float
/// regression targets per sample (e.g. MARS: 5 x 8 x 8 radar points, 57 joint coordinates).</summary>
public sealed class FloatDataset : IDataset
{
    public required int Count { get; init; }
    public required int Channels { get; init; }
    public required int Height { get; init; }
    public required int Width { get; init; }
    /// <summary>Count * Channels * Height * Width values.</summary>
    public required float[] Features { get; init; }
    /// <summary>Count * Dims values, row-major [sample, dim].</summary>
    public required float[] Targets { get; init; }
    public required int Dims { get; init; }
    public required string Source { get; init; }

    public int SampleSize => Channels * Height * Width;

    IDataset IDataset.Pick(int[] indices) => Subset(indices);

    /// <summary>The first n samples (all of them when n exceeds <see cref="Count"/>).</summary>
    public FloatDataset Take(int n) => Subset(Enumerable.Range(0, Math.Min(n, Count)).ToArray());

    /// <summary>The samples at <paramref name="indices"/>, in that order (repeats allowed).</summary>
    public FloatDataset Subset(int[] indices)
    {
        foreach (int i in indices)
            if ((uint)i >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(indices), $"index {i} is outside 0..{Count - 1}");
        int s = SampleSize, d = Dims;
        var x = new float[indices.Length * s];
        var y = new float[indices.Length * d];
        for (int i = 0; i < indices.Length; i++)
        {
            Array.Copy(Features, (long)indices[i] * s, x, (long)i * s, s);
            Array.Copy(Targets, (long)indices[i] * d, y, (long)i * d, d);
        }
        return new FloatDataset
        {
            Count = indices.Length, Channels = Channels, Height = Height, Width = Width,
            Features = x, Targets = y, Dims = Dims, Source = Source,
        };
    }
}
