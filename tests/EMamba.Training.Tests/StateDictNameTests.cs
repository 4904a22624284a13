using EMamba.Core;
using EMamba.Training.Checkpoints;
using TorchSharp;

namespace EMamba.Training.Tests;

/// <summary>The tensor names (and shapes) a checkpoint holds are a contract: committed checkpoints and
/// the TorchSharp-free readers depend on them. Data/state-dict-names.txt is the state_dict of every
/// preset (Mamba presets also with PWL SiLU and exp) as the modules named it when registration was
/// still derived from field names; the built models must keep producing exactly these lines.</summary>
[Collection("torch")]
public sealed class StateDictNameTests
{
    private static readonly string Golden = Path.Combine(AppContext.BaseDirectory, "Data", "state-dict-names.txt");

    /// <summary>Every preset config, with a vocabulary for the LMs, and PWL on and off for Mamba.</summary>
    public static IEnumerable<(string Label, ModelConfig Config)> Configs()
    {
        foreach (var (name, run) in Presets.All.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var cfg = run.Model;
            if (cfg.Head == "lm") cfg = cfg with { Vocab = 1234 };
            yield return (name, cfg);
            if (cfg.Arch == "mamba") yield return (name + "+pwl", cfg with { Silu = "pwl", Exp = "pwl" });
        }
    }

    /// <summary>"label name [shape]" per state_dict entry, in state_dict order.</summary>
    internal static List<string> Dump()
    {
        var lines = new List<string>();
        foreach (var (label, cfg) in Configs())
        {
            using var m = ModelLoader.Create(cfg);
            foreach (var (name, t) in m.state_dict())
                lines.Add($"{label} {name} [{string.Join(",", t.shape)}]");
        }
        return lines;
    }

    [Fact]
    public void EveryPresetKeepsItsStateDictNamesAndShapes()
    {
        var now = Dump();
        if (Environment.GetEnvironmentVariable("EMAMBA_WRITE_GOLDEN") is { Length: > 0 } target)
            File.WriteAllLines(target, now);
        Assert.Equal(File.ReadAllLines(Golden), now);
    }
}
