using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using EMamba.Core.Integer;

namespace EMamba.Hardware;

/// <summary>Generates the accelerator for a quantized vision / radar model (docs/hardware.md): the
/// operation modules (Rtl/*.v, one per IntOps family), a top that runs the token-overlapped <see cref="Pipeline"/>, its ROM images from the model, a testbench, a Makefile and a README. Datapaths are 64 bits
/// wide and every stored code is already saturated to its domain (narrow storage is later work).</summary>
public static class RtlGenerator
{
    public static readonly string[] Modules = ["em_round_shift", "em_sat", "em_requant", "em_linear", "em_range_norm", "em_pwl", "em_conv", "em_scan", "em_gate", "em_residual"];

    /// <summary>The constant functions the shared-block units include (Verilog-2005 has no packages).</summary>
    public const string Include = "em_layers.vh";

    /// <summary>The simulators' flags that resolve <c>`include</c> beside the including file, as yosys does by itself.</summary>
    public static readonly string[] VerilatorFlags = ["--relative-includes"], IcarusFlags = ["-g2005", "-grelative-include"];

    /// <summary>Writes every operation module and <see cref="Include"/> into <paramref name="dir"/> (for harnesses that
    /// run the modules alone); returns the module files' names.</summary>
    public static string[] WriteModules(string dir)
    {
        foreach (var m in Modules) File.WriteAllText(Path.Combine(dir, m + ".v"), ModuleText(m + ".v"));
        File.WriteAllText(Path.Combine(dir, Include), ModuleText(Include));
        return [.. Modules.Select(m => m + ".v")];
    }

    public static Design Generate(IntModel m, AcceleratorConfig c)
    {
        c.Validated();
        Check(m, c);
        var pipe = Pipeline.Of(m, c);
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var mod in Modules) files[$"rtl/{mod}.v"] = ModuleText(mod + ".v");
        files["rtl/" + Include] = ModuleText(Include);
        var cycles = CycleModel.Of(pipe, m.Tokens);
        var top = new TopWriter(m, c, pipe, cycles, files);
        files[$"rtl/{c.TopName}.v"] = top.Write();
        var cfg = m.Config;
        int nin = cfg.InChannels * cfg.Height * cfg.Width;
        files[Design.TestbenchFile] = TestbenchWriter.Write(m, c, top.Taps);
        files[TestbenchWriter.OrderFile] = Hex.Words(TestbenchWriter.StreamOrder(m), 32);
        var sources = Modules.Select(x => $"rtl/{x}.v").Append($"rtl/{c.TopName}.v").ToList();
        files["Makefile"] = DesignDocs.Makefile(c, sources);
        files["README.md"] = DesignDocs.Readme(m, c, cycles, top.Taps);
        string hash = HashOf(files);
        return new Design(c.TopName, files, sources, top.Taps.SelectMany(t => t.Names(m.Blocks.Length)).ToList(), nin, cfg.NumOutputs, hash);
    }

    private static void Check(IntModel m, AcceleratorConfig c)
    {
        var probs = new List<string>();
        if (c.Blocks == BlockMode.Shared && m.Blocks.Length > 255) probs.Add($"{m.Blocks.Length} blocks on shared units (the layer counter holds at most 255)");
        if (m.Input.Unsigned) probs.Add("unsigned input codes");
        foreach (var b in m.Blocks)
        {
            if (b.Conv.Kernel < 2) probs.Add($"blocks.{b.Index}: d_conv {b.Conv.Kernel} (the conv unit needs a window, d_conv >= 2)");
            foreach (var (d, what) in new[] { (b.Norm.Out, "n"), (b.Conv.Out, "uc"), (b.State, "h"), (b.Y, "y"), (b.Gate, "g"), (b.Residual, "r"), (b.InProj.Out, "in_proj"), (b.XProj.Out, "x_proj"), (b.OutProj.Out, "o") })
                if (d.Unsigned) probs.Add($"blocks.{b.Index}.{what}: unsigned domain {d}");
            foreach (var p in new[] { b.Exp, b.Silu }.Concat(b.ConvSilu is { } cs ? [cs] : []))
                if (p.Knots.Length < 2 || p.Slopes.Length != p.Knots.Length - 1) probs.Add($"{p.Name}: {p.Knots.Length} knots and {p.Slopes.Length} slopes (the PWL unit needs at least 2 knots and one slope per segment)");
        }
        if (m.FinalNorm.Out.Unsigned) probs.Add("norm_f: unsigned domain");
        if (probs.Count > 0) throw new NotSupportedException("the accelerator does not support this model: " + string.Join("; ", probs));
    }

    /// <summary>The text of Rtl/<paramref name="file"/> (a module's .v or the .vh it includes).</summary>
    public static string ModuleText(string file)
    {
        using var s = Assembly.GetExecutingAssembly().GetManifestResourceStream($"EMamba.Hardware.Rtl.{file}")
            ?? throw new InvalidOperationException($"Rtl/{file} is not embedded");
        using var r = new StreamReader(s);
        return r.ReadToEnd();
    }

    internal static string HashOf(IReadOnlyDictionary<string, string> files)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (k, v) in files.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            h.AppendData(Encoding.UTF8.GetBytes(k + "\0" + v.Length.ToString(CultureInfo.InvariantCulture) + "\0"));
            h.AppendData(Encoding.UTF8.GetBytes(v));
        }
        return Convert.ToHexStringLower(h.GetHashAndReset());
    }
}
