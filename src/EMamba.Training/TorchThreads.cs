using EMamba.Core;
using EMamba.Training.Scan;

namespace EMamba.Training;

/// <summary>The CPU thread count for tensor math: the logical cores by default, and at most four
/// threads per logical core when asked for (more only thrash, and an absurd value would start them all).</summary>
public static class TorchThreads
{
    public static int Max => 4 * Environment.ProcessorCount;

    /// <summary>The thread count to use; a request outside 1..<see cref="Max"/> is a usage error naming <paramref name="flag"/>.</summary>
    public static int Check(int? requested, string flag = "--threads")
    {
        int n = requested ?? Environment.ProcessorCount;
        if (n < 1 || n > Max)
            throw new EMambaException($"{flag} {n} must be in 1..{Max} (4 x the {Environment.ProcessorCount} logical cores)", ExitCodes.Usage);
        return n;
    }

    /// <summary>Checks the request and sets torch's thread count.</summary>
    public static int Set(int? requested, string flag = "--threads")
    {
        int n = Check(requested, flag);
        TorchSharp.torch.set_num_threads(n);
        return n;
    }
}
