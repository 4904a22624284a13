namespace EMamba.Core;

/// <summary>Seeds derived from a run's seed and a counter (the epoch) for the per-epoch shuffles and
/// draws. HashCode.Combine cannot do this: it is randomised per process, so a resumed or repeated
/// run would shuffle differently. SplitMix64 steps give the same value on every process and machine.</summary>
public static class SeedMix
{
    /// <summary>A non-negative seed for <c>new Random(int)</c> from (seed, counter, salt).</summary>
    public static int Of(int seed, int counter, int salt)
    {
        ulong x = Step((uint)seed);
        x = Step(x ^ (uint)counter);
        x = Step(x ^ (uint)salt);
        return (int)(x >> 33);
    }

    private static ulong Step(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }
}
