namespace EMamba.Core;

/// <summary>A user-facing failure: bad input file, bad config, missing data. The CLI prints the
/// message (no stack trace) and exits with <see cref="ExitCode"/>.</summary>
public class EMambaException(string message, int exitCode = ExitCodes.BadInput, Exception? inner = null)
    : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>A file whose bytes do not match its format. The message names file, offset and expectation.</summary>
public sealed class FileFormatException(string path, long offset, string problem)
    : EMambaException($"{path}: at byte {offset}: {problem}", ExitCodes.BadInput)
{
    public string Path { get; } = path;
    public long Offset { get; } = offset;
    public string Problem { get; } = problem;
}

/// <summary>A config that fails validation; every problem found is listed, not just the first.
/// Each problem is clipped as a last guard: a parser message may quote a huge key or value.</summary>
public sealed class ConfigException(string source, IReadOnlyList<string> problems)
    : EMambaException($"{source}: invalid configuration:\n  - " + string.Join("\n  - ", Clip(problems)), ExitCodes.BadConfig)
{
    public const int MaxProblemChars = 400;

    public IReadOnlyList<string> Problems { get; } = Clip(problems);

    private static List<string> Clip(IReadOnlyList<string> problems) => [.. problems.Select(p => Shown.Value(p, MaxProblemChars))];
}

/// <summary>Process exit codes; documented in the README.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failure = 1;      // unexpected internal error
    public const int Usage = 2;        // bad command line
    public const int BadInput = 3;     // malformed or missing input file / data set
    public const int Io = 3;           // an output could not be written (disk full, read-only); same code as BadInput
    public const int BadConfig = 4;    // config fails validation
    public const int Cancelled = 130;  // Ctrl+C
}
