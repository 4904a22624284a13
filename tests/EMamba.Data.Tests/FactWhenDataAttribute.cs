namespace EMamba.Data.Tests;

/// <summary>A test on a full data set that this machine may lack: reported as skipped, not passed,
/// without it. The path is absolute or relative to the shared data folder.</summary>
public sealed class FactWhenDataAttribute : FactAttribute
{
    public FactWhenDataAttribute(string path)
    {
        bool present = Path.IsPathRooted(path) ? File.Exists(path) || Directory.Exists(path) : TestFiles.SharedData(path) is not null;
        if (!present) Skip = $"{path} is not present on this machine";
    }
}
