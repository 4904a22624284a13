namespace EMamba.Hardware;

/// <summary>A generated accelerator: every file of its folder (relative path -> text), the names of
/// its top and testbench, the tensors its testbench taps (in pipeline order, Trace's names) and the
/// stream sizes. <see cref="Hash"/> covers every file, so it changes with the model or the config.</summary>
public sealed record Design(string Top, IReadOnlyDictionary<string, string> Files, IReadOnlyList<string> Sources,
    IReadOnlyList<string> Taps, int InputCodes, int OutputCodes, string Hash)
{
    public const string Testbench = "tb";
    public const string TestbenchFile = "tb.v";

    /// <summary>Writes the folder under a temporary name beside <paramref name="dir"/> and renames it into place.</summary>
    public void WriteTo(string dir)
    {
        dir = Path.GetFullPath(dir);
        if (Directory.Exists(dir)) throw new IOException($"{dir} already exists");
        string tmp = dir + ".tmp-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            foreach (var (rel, text) in Files)
            {
                string path = Path.Combine(tmp, rel);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, text);
            }
            Directory.Move(tmp, dir);
        }
        finally { if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true); }
    }
}
