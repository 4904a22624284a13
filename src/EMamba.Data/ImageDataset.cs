namespace EMamba.Data;

/// <summary>Images as bytes, each sample planar C x H x W (row-major), with integer labels.</summary>
public sealed class ImageDataset : IDataset
{
    public required int Count { get; init; }
    public required int Channels { get; init; }
    public required int Height { get; init; }
    public required int Width { get; init; }
    /// <summary>Count * Channels * Height * Width bytes.</summary>
    public required byte[] Pixels { get; init; }
    public required int[] Labels { get; init; }
    public required IReadOnlyList<string> ClassNames { get; init; }
    public required string Source { get; init; }

    public int SampleSize => Channels * Height * Width;

    IDataset IDataset.Pick(int[] indices) => Subset(indices);

    /// <summary>The first n samples (all of them when n exceeds <see cref="Count"/>).</summary>
    public ImageDataset Take(int n) => Subset(Enumerable.Range(0, Math.Min(n, Count)).ToArray());

    /// <summary>The samples at <paramref name="indices"/>, in that order (repeats allowed).</summary>
    public ImageDataset Subset(int[] indices)
    {
        foreach (int i in indices)
            if ((uint)i >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(indices), $"index {i} is outside 0..{Count - 1}");
        int s = SampleSize;
        var px = new byte[indices.Length * s];
        var lb = new int[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            Buffer.BlockCopy(Pixels, indices[i] * s, px, i * s, s);
            lb[i] = Labels[indices[i]];
        }
        return new ImageDataset
        {
            Count = indices.Length, Channels = Channels, Height = Height, Width = Width,
            Pixels = px, Labels = lb, ClassNames = ClassNames, Source = Source,
        };
    }
}
