using EMamba.Core;

namespace EMamba.Cli;

/// <summary>One training process per run folder: a second one (a suite and a hand-started train on
/// the same folder) would interleave checkpoints and logs. An OS file lock on <c>.lock</c>, so a
/// crashed process leaves nothing held. The empty file stays: deleting it on exit would let a
/// process that opened it just before lock a name nobody else sees any more.</summary>
public static class RunFolderLock
{
    public const string FileName = ".lock";
    // What .NET reports for a held lock: errno EWOULDBLOCK from flock on Unix (advisory: only
    // processes that also lock see it), a sharing violation on Windows.
    private const int EWouldBlock = 11;
    private const int SharingViolation = unchecked((int)0x80070020);

    public static IDisposable Take(string dir)
    {
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, FileName);
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (e.HResult is EWouldBlock or SharingViolation)
        {
            throw new EMambaException($"{dir}: another process is training in this run folder ({path} is locked); wait for it or choose another --out", ExitCodes.BadInput, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EMambaException($"{path}: cannot create the run folder's lock file: {e.Message}", ExitCodes.BadInput, e);
        }
    }
}
