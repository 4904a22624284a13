using EMamba.Core;

namespace EMamba.Data;

/// <summary>An empty split has no accuracy or perplexity: scoring it gave "accuracy NaN %" with exit 0,
/// or an unhandled ArgumentException for a too-short token stream. These turn it into a clear error.</summary>
public static class SplitChecks
{
    /// <summary><paramref name="ds"/> itself, or an error naming its source when it holds no samples.</summary>
    public static T NonEmpty<T>(T ds, string split) where T : IDataset =>
        ds.Count > 0 ? ds : throw new EMambaException($"{ds.Source}: the {split} split has no samples", ExitCodes.BadInput);

    /// <summary>Fails unless <paramref name="tokens"/> holds at least <paramref name="needed"/> tokens.</summary>
    /// <param name="what">names the stream, e.g. "../data/wikitext-2: the test split"</param>
    /// <param name="why">why that many, e.g. "2 per stream for 8 streams"</param>
    public static int[] EnoughTokens(int[] tokens, int needed, string what, string why)
    {
        if (tokens.Length < needed)
            throw new EMambaException($"{what} has {tokens.Length:N0} tokens; scoring needs at least {needed:N0} ({why})", ExitCodes.BadInput);
        return tokens;
    }
}
