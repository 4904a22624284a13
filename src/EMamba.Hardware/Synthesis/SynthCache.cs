using System.Security.Cryptography;
using System.Text;

namespace EMamba.Hardware.Synthesis;

/// <summary>Where a synthesis's products live: one folder per SHA-256 of everything that decides them (the RTL
/// and ROM images' contents, the top, the target, the script and the tools' versions), made complete in a temporary
/// folder and renamed into place, so a folder that exists is a finished run and a rerun reads it instead of
/// synthesizing again.</summary>
internal static class SynthCache
{
    public const string Marker = "synth.ok", YosysLog = "yosys.log", NextpnrLog = "nextpnr.log", Script = "synth.ys";

    /// <summary>The files of a design folder that can change a synthesis: Verilog and memory images, by relative path.</summary>
    public static List<string> Inputs(string dir) =>
        [.. Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetExtension(f) is ".v" or ".vh" or ".sv" or ".hex" or ".mem")
            .Select(f => Path.GetRelativePath(dir, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)];

    public static string Key(string dir, IReadOnlyList<string> files, string top, SynthTarget target, string script, IEnumerable<string> versions)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string s) { h.AppendData(Encoding.UTF8.GetBytes(s)); h.AppendData([0]); }
        Add("emamba-synth/1"); Add(top); Add(target.ToString()); Add(script);
        foreach (var v in versions) Add(v);
        foreach (var f in files)
        {
            Add(f);
            byte[] bytes = File.ReadAllBytes(Path.Combine(dir, f));
            Add(bytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
            h.AppendData(bytes);
        }
        return Convert.ToHexStringLower(h.GetHashAndReset())[..20];
    }

    /// <summary>Moves a finished temporary folder into place; false when another process finished the same entry first.</summary>
    public static bool Publish(string tmp, string entry)
    {
        File.WriteAllText(Path.Combine(tmp, Marker), Path.GetFileName(entry) + "\n");
        try { Directory.Move(tmp, entry); return true; }
        catch (IOException) when (File.Exists(Path.Combine(entry, Marker))) { return false; }
    }
}
