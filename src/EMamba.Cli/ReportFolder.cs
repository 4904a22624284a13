using EMamba.Core;
using EMamba.Hardware.Report;

namespace EMamba.Cli;

/// <summary>The output folder of <c>hw report</c>: written whole under a temporary name and renamed into place, so
/// nothing half written is ever seen. It may replace a folder that is empty or holds a previous hw report (its
/// report.json carries the format tag); anything else is refused, so a typo cannot delete a user's folder.</summary>
public static class ReportFolder
{
    // A report.json is tens of kB; a larger one is not ours, and is not read whole to find out.
    private const long MaxReportJson = 16 << 20;

    public static void Check(string dir)
    {
        if (File.Exists(dir)) throw new EMambaException($"{dir} is a file; --out takes a folder", ExitCodes.Usage);
        if (!Directory.Exists(dir) || !Directory.EnumerateFileSystemEntries(dir).Any()) return;
        string json = Path.Combine(dir, "report.json");
        if (new FileInfo(json) is { Exists: true, Length: < MaxReportJson } && File.ReadAllText(json).Contains($"\"{HwReport.FormatTag}\"", StringComparison.Ordinal)) return;
        throw new EMambaException($"{dir} exists and is not a previous hw report; choose a new or empty folder", ExitCodes.Usage);
    }

    public static void Write(string dir, Action<string> write)
    {
        string tmp = $"{dir}.{Environment.ProcessId}.tmp", old = $"{dir}.{Environment.ProcessId}.old";
        try
        {
            if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true);
            Directory.CreateDirectory(tmp);
            write(tmp);
            if (Directory.Exists(dir)) Directory.Move(dir, old);
            try { Directory.Move(tmp, dir); }
            catch when (Directory.Exists(old) && !Directory.Exists(dir)) { Directory.Move(old, dir); throw; }   // the previous report stays
            if (Directory.Exists(old)) Directory.Delete(old, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EMambaException($"could not write {dir}: {e.Message}", ExitCodes.Io, e);
        }
        finally { if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true); }
    }
}
