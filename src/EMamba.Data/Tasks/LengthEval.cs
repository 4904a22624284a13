namespace EMamba.Data;

/// <summary>The perplexity-vs-length protocol of the language task: the first
/// <see cref="Tokens"/> test tokens cut into sequences of each length, each read from a fresh state,
/// so every length scores the same text.</summary>
public static class LengthEval
{
    public static readonly int[] DefaultLengths = [64, 128, 256, 512, 1024, 2048, 4096];

    /// <summary>16 sequences of the longest length.</summary>
    public const int Tokens = 16 * 4096;
}
