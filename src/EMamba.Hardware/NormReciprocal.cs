namespace EMamba.Hardware;

/// <summary>Where a range norm's reciprocal RECIP[r] comes from (docs/integer.md §5); both give the same integers.</summary>
public enum NormReciprocal
{
    /// <summary>A ROM of 2^B entries, one lookup cycle: small for 8-bit inputs, 2 Mbit for 16-bit ones.</summary>
    Rom,
    /// <summary>A radix-2 restoring divider, one cycle per quotient bit and no ROM.</summary>
    Divider,
}
