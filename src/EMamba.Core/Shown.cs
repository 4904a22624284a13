namespace EMamba.Core;

/// <summary>User values quoted in error messages are clipped, so a 50 MB string in a config gives a
/// one-screen error rather than echoing the whole value.</summary>
public static class Shown
{
    public const int MaxValueChars = 80;

    /// <summary>The value itself, or its first <see cref="MaxValueChars"/> chars + "... (N chars)".</summary>
    public static string Value(string? s, int max = MaxValueChars) =>
        s is null ? "" : s.Length <= max ? s : $"{s[..max]}... ({s.Length} chars)";
}
