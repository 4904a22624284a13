namespace EMamba.Data;

/// <summary>What the trainer needs of any data set: its size, where it came from, and subsets
/// (hold-outs, limits, shuffles) of the same kind.</summary>
public interface IDataset
{
    int Count { get; }
    string Source { get; }
    /// <summary>The samples at <paramref name="indices"/>, in that order.</summary>
    IDataset Pick(int[] indices);
}
