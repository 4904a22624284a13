using EMamba.Core;
using EMamba.Core.Integer;
using EMamba.Engine;
using EMamba.Engine.Quantize;
using EMamba.Training.Checkpoints;
using EMamba.Training.Modules;
using EMamba.Training.Qat;
using TorchSharp;
using static TorchSharp.torch;

namespace EMamba.Training.Tests;

/// <summary>Quantization-aware training's forward is the integer engine's: on tiny generated models the
/// fake-quantized TorchSharp forward gives the engine's output codes, and its gradients reach every
/// trained weight through the straight-through roundings.</summary>
public sealed class QatTests
{
    private static readonly ModelConfig Tiny = new()
    {
        Task = TaskKind.Mars, Head = Head.Regress, InChannels = 5, Height = 8, Width = 8, Patch = 4,
        DModel = 8, Expand = 2, DState = 4, NLayers = 2, NumOutputs = 57,
    };

    private static (QatModel Qat, IntModel Int) Make(ModelConfig cfg, int seed, Precision? prec = null)
    {
        string path = Path.Combine(Path.GetTempPath(), $"emamba-qat-{Guid.NewGuid():N}.safetensors");
        try
        {
            RandomCheckpoint.Write(path, cfg, seed);
            prec ??= new Precision();
            var m = RandomModel.QuantizedFrom(path, seed, prec);
            var inner = (MambaModel)ModelLoader.Load(Checkpoint.Load(path));
            return (new QatModel(inner, m, prec), m);
        }
        finally { File.Delete(path); }
    }

    private static long[][] Inputs(IntModel m, int n, int seed)
    {
        var rng = new Random(seed);
        var c = m.Config;
        return [.. Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, c.InChannels * c.Height * c.Width)
            .Select(_ => m.Input.Clamp((long)Math.Round(rng.NextDouble() * 160 - 80))).ToArray())];
    }

    private static void AssertSameCodes(QatModel qat, IntModel m, long[][] xs)
    {
        var c = m.Config;
        using var _ = no_grad();
        var q = tensor(xs.SelectMany(x => x.Select(v => (double)v)).ToArray(), dtype: float64).reshape(xs.Length, c.InChannels, c.Height, c.Width);
        var (codes, frac) = qat.CodesOfInput(q);
        Assert.Equal(m.Output.Frac, frac);
        var got = codes.data<double>().ToArray();
        for (int s = 0; s < xs.Length; s++)
        {
            var want = Reference.Run(m, xs[s]);
            for (int j = 0; j < want.Length; j++)
                Assert.True(Math.Abs(got[s * want.Length + j] - want[j]) <= 0, $"sample {s} output {j}: QAT {got[s * want.Length + j]}, engine {want[j]}");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void ForwardEqualsTheEngineCodeForCode(int seed)
    {
        var (qat, m) = Make(Tiny, seed);
        AssertSameCodes(qat, m, Inputs(m, 6, seed + 10));
    }

    [Fact]
    public void ForwardEqualsTheEngineWithoutConvSiluAndWithPerTensorWeightsAndAWideState()
    {
        var prec = new Precision { PerChannel = false, Kinds = new Dictionary<string, Precision.Override> { ["h"] = new(Bits: 20) } };
        var (qat, m) = Make(Tiny with { ConvSilu = false, DState = 2, Patch = 2 }, 5, prec);
        AssertSameCodes(qat, m, Inputs(m, 4, 7));
    }

    [Fact]
    public void GradientsReachEveryTrainedWeightAndNotThePwlTables()
    {
        var (qat, m) = Make(Tiny, 4);
        var c = m.Config;
        var xs = Inputs(m, 3, 9);
        var x = tensor(xs.SelectMany(v => v.Select(q => (float)(q * Math.Pow(2, -m.Input.Frac)))).ToArray()).reshape(3, c.InChannels, c.Height, c.Width);
        var y = qat.forward(x);
        Assert.Equal(ScalarType.Float32, y.dtype);
        y.square().sum().backward();
        foreach (var (name, p) in qat.named_parameters())
        {
            if (name.StartsWith("pwl_", StringComparison.Ordinal)) { Assert.False(p.requires_grad, name); continue; }
            Assert.True(p.grad is not null, $"{name} has no gradient");
            var g = p.grad!.abs().sum().item<float>();
            Assert.True(float.IsFinite(g) && g > 0, $"{name}: gradient sum {g}");
        }
    }

    /// <summary>Without gradients a batch larger than the chunk runs in pieces (the memory bound of CIFAR-10
    /// validation): the outputs equal one forward per sample.</summary>
    [Fact]
    public void AnEvaluationBatchLargerThanTheChunkGivesThePerSampleOutputs()
    {
        var (qat, m) = Make(Tiny, 7);
        var c = m.Config;
        using var _ = no_grad();
        var x = randn(QatModel.EvalChunk + 5, c.InChannels, c.Height, c.Width, generator: new TorchSharp.torch.Generator(3));
        var all = qat.forward(x).data<float>().ToArray();
        int o = c.NumOutputs;
        foreach (int s in new[] { 0, QatModel.EvalChunk - 1, QatModel.EvalChunk, QatModel.EvalChunk + 4 })
        {
            var one = qat.forward(x.narrow(0, s, 1)).data<float>().ToArray();
            Assert.Equal(one, all.AsSpan(s * o, o).ToArray());
        }
    }

    [Fact]
    public void StateDictHasTheFloatModelsNames()
    {
        var (qat, _) = Make(Tiny, 6);
        Assert.Equal(qat.Inner.state_dict().Keys.Order(), qat.state_dict().Keys.Order());
    }
}
