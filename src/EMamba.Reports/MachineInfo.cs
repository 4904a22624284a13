using System.Runtime.InteropServices;

namespace EMamba.Reports;

/// <summary>One line that says where a figure was measured, for every report.</summary>
public static class MachineInfo
{
    public static string Describe()
    {
        string cpu = "unknown CPU";
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name"));
            if (line != null) cpu = line.Split(':', 2)[1].Trim();
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return $"{cpu}, {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}";
    }

    /// <summary>The 1-minute load average from /proc/loadavg ("unknown" elsewhere): a timing beside it says whether the cores were shared.</summary>
    public static string LoadAverage()
    {
        try { return File.ReadAllText("/proc/loadavg").Split(' ')[0]; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return "unknown"; }
    }

    /// <summary>The two provenance lines every Markdown report opens with: the command that made it,
    /// and when and where.</summary>
    public static string ProvenanceLines(string command) =>
        $"- command: `{command}`\n- date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; machine: {Describe()}\n";
}
