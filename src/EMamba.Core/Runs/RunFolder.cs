namespace EMamba.Core;

/// <summary>One run folder: the names of what a run writes there, the lock that keeps a second
/// process out, the check that a finished run can be reused, and clearing for --force. Library
/// callers get the same lock as the CLI.</summary>
public sealed class RunFolder(string dir)
{
    public const string LastFile = "last.safetensors", BestFile = "best.safetensors", LogFile = "log.json", CurveFile = "curve.png",
        ReportFile = "report.md", LockFile = ".lock";

    // What .NET reports for a held lock: errno EWOULDBLOCK from flock on Unix (advisory: only
    // processes that also lock see it), a sharing violation on Windows.
    private const int EWouldBlock = 11;
    private const int SharingViolation = unchecked((int)0x80070020);

    public string Dir { get; } = dir;
    public string Last => Path.Combine(Dir, LastFile);
    public string Best => Path.Combine(Dir, BestFile);
    public string Log => Path.Combine(Dir, LogFile);
    public string Curve => Path.Combine(Dir, CurveFile);
    public string Report => Path.Combine(Dir, ReportFile);

    /// <summary>One training process per run folder: a second one would interleave checkpoints and
    /// logs. An OS file lock on <c>.lock</c>, so a crashed process leaves nothing held. The empty file
    /// stays: deleting it on exit would let a process that opened it just before lock a name nobody
    /// else sees any more.</summary>
    public IDisposable Lock()
    {
        Directory.CreateDirectory(Dir);
        string path = Path.Combine(Dir, LockFile);
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (e.HResult is EWouldBlock or SharingViolation)
        {
            throw new EMambaException($"{Dir}: another process is training in this run folder ({path} is locked); wait for it or choose another --out", ExitCodes.BadInput, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EMambaException($"{path}: cannot create the run folder's lock file: {e.Message}", ExitCodes.BadInput, e);
        }
    }

    /// <summary>Removes what a run wrote (checkpoints, log, curve), for a fresh start; call holding the lock.</summary>
    public void Clear()
    {
        foreach (var f in new[] { Last, Best, Log, Curve }) File.Delete(f);
    }

    /// <summary>The log of a finished run of exactly <paramref name="cfg"/> (all epochs, tested), or null.</summary>
    public TrainLog? CompleteLog(RunConfig cfg)
    {
        if (!File.Exists(Log)) return null;
        var log = TrainLog.FromJson(UserFile.ReadAllText(Log), Log);
        return log.Config == cfg && log.Epochs.Count == cfg.Train.Epochs && log.Test.ContainsKey(log.MetricName) ? log : null;
    }

    /// <summary>Whether a run can be resumed here (a last checkpoint exists).</summary>
    public bool CanResume => File.Exists(Last);
}
