using EMamba.Core;
using EMamba.Core.Checkpoints;
using EMamba.Training.Checkpoints;
using TorchSharp;

namespace EMamba.Training.Tests;

/// <summary>The tensor names (and shapes) a checkpoint holds are a contract: committed checkpoints and
/// the TorchSharp-free readers depend on them. Data/state-dict-names.txt is the state_dict of every
/// preset (Mamba presets also with PWL SiLU and exp) as the modules named it when registration was
/// still derived from field names; the built models must keep producing exactly these lines, and they
/// must be what the TorchSharp-free declaration (<see cref="TensorNames.Expected"/>) lists.</summary>
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
            if (cfg.Head == Head.Lm) cfg = cfg with { Vocab = 1234 };
            yield return (name, cfg);
            if (cfg.Arch == Arch.Mamba) yield return (name + "+pwl", cfg with { Silu = Impl.Pwl, Exp = Impl.Pwl });
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

    [Fact]
    public void EveryPresetHoldsExactlyTheDeclaredTensors()
    {
        foreach (var (label, cfg) in Configs())
        {
            using var m = ModelLoader.Create(cfg);
            var built = m.state_dict().Select(kv => $"{kv.Key} [{string.Join(",", kv.Value.shape)}]").ToList();
            Assert.True(TensorNames.Expected(cfg).Select(e => e.ToString()).SequenceEqual(built),
                $"{label}: built {string.Join(" ", built)}");
            var buffers = m.named_buffers().Select(b => b.name).ToHashSet();
            Assert.Equal(buffers, TensorNames.Expected(cfg).Where(e => e.Buffer).Select(e => e.Name).ToHashSet());
        }
    }

    [Fact]
    public void ThePwlKnotCountsFollowTheTables()
    {
        var cfg = Presets.All["mars-paper"].Model with { Silu = Impl.Pwl, Exp = Impl.Pwl };
        var tables = new Dictionary<EMamba.Core.Approx.PwlFunction, EMamba.Core.Approx.PwlTable>
        {
            [EMamba.Core.Approx.PwlFunction.Silu] = EMamba.Core.Approx.PwlTable.Uniform(EMamba.Core.Approx.PwlFunction.Silu, 5, -4, 4),
            [EMamba.Core.Approx.PwlFunction.Exp] = EMamba.Core.Approx.PwlTable.Uniform(EMamba.Core.Approx.PwlFunction.Exp, 7, -4, 0),
        };
        using var m = ModelLoader.Create(cfg, tables);
        var knots = tables.ToDictionary(kv => kv.Key, kv => kv.Value.Knots.Length);
        Assert.Equal(TensorNames.Expected(cfg, knots).Select(e => e.ToString()),
            m.state_dict().Select(kv => $"{kv.Key} [{string.Join(",", kv.Value.shape)}]"));
    }
}
