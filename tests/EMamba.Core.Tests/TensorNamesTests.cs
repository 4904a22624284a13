using EMamba.Core;
using EMamba.Core.Approx;
using EMamba.Core.Checkpoints;

namespace EMamba.Core.Tests;

/// <summary>The declared checkpoint tensor names, without TorchSharp: the spelling the existing
/// checkpoints use, and a committed checkpoint holding exactly what its config declares.</summary>
public sealed class TensorNamesTests
{
    [Fact]
    public void TheNamesAreSpelledAsTheCheckpointsSpellThem()
    {
        var b = TensorNames.Block(3);
        Assert.Equal("blocks.3.in_proj.weight", b.InProjWeight);
        Assert.Equal("blocks.3.A_log", b.ALog);
        Assert.Equal("blocks.3.D", b.D);
        Assert.Equal("blocks.3.conv1d.bias", b.Conv1dBias);
        Assert.Equal("blocks.3.norm.weight", b.NormWeight);
        Assert.Equal("embed.proj.weight", TensorNames.PatchEmbed.Weight);
        Assert.Equal("embed.pos", TensorNames.PatchEmbed.Pos);
        Assert.Equal("norm_f.weight", TensorNames.NormF.Weight);
        Assert.Equal("head.bias", TensorNames.Head.Bias);
        Assert.Equal("embedding.weight", TensorNames.Lm.Embedding);
        Assert.Equal(new PwlNames("pwl_exp.knots", "pwl_exp.values"), TensorNames.Pwl(PwlFunction.Exp));
        Assert.Equal("blocks.1.attn.qkv.weight", TensorNames.TransformerBlock(1).QkvWeight);
        Assert.Equal("stages.2.bn1.running_var", TensorNames.Cnn.Bn(2, 1).RunningVar);
        Assert.Equal("stages.0.conv2.weight", TensorNames.Cnn.ConvWeight(0, 2));
    }

    [Fact]
    public void EveryPresetDeclaresDistinctNamesAndItsParameterCount()
    {
        foreach (var (name, run) in Presets.All)
        {
            var cfg = run.Model.Head == EMamba.Core.Head.Lm ? run.Model with { Vocab = 500 } : run.Model;
            var all = TensorNames.Expected(cfg);
            Assert.Equal(all.Count, all.Select(e => e.Name).Distinct().Count());
            Assert.Equal(cfg.ParameterCount(), all.Where(e => !e.Buffer).Sum(e => e.Shape.Aggregate(1L, (a, s) => a * s)));
        }
    }

    /// <summary>The committed CIFAR-10 checkpoint (trained before the names were declared) holds
    /// exactly the declared tensors, with the knot counts of its own tables.</summary>
    [Fact]
    public void TheCommittedCheckpointHoldsTheDeclaredTensors()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "../../../../../docs/results/suite-cifar10/cifar10-base/finetune/best.safetensors");
        var file = SafetensorsFile.Read(path);
        var cfg = RunConfig.Parse(file.Metadata["config"], path).Model;
        var knots = PwlFunctions.All.Where(f => file.Contains(TensorNames.Pwl(f).Knots))
            .ToDictionary(f => f, f => (int)file[TensorNames.Pwl(f).Knots].Shape[0]);
        Assert.Equal(TensorNames.Expected(cfg, knots).Select(e => e.ToString()).Order(StringComparer.Ordinal),
            file.Tensors.Select(t => $"{t.Name} [{string.Join(",", t.Shape)}]").Order(StringComparer.Ordinal));
    }
}
