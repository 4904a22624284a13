using EMamba.Core;
using EMamba.Data;
using EMamba.Training.Modules;
using static TorchSharp.torch;

namespace EMamba.Training.Tests;

/// <summary>Checkpoints and exact resume on a tiny model and generated images.</summary>
[Collection("torch")]
public sealed class TrainerTests
{
    private static ImageDataset Images(int n, int seed)
    {
        // Fashion-MNIST-shaped (config validation holds a task's models to its data: 1x28x28, 10 classes).
        var rng = new Random(seed);
        var px = new byte[n * 784];
        rng.NextBytes(px);
        var labels = Enumerable.Range(0, n).Select(i => i % 10).ToArray();
        for (int i = 0; i < n; i++) for (int k = 0; k < 28; k++) px[i * 784 + labels[i] * 56 + k] = 255;
        return new ImageDataset { Count = n, Channels = 1, Height = 28, Width = 28, Pixels = px, Labels = labels,
            ClassNames = Enumerable.Range(0, 10).Select(c => $"c{c}").ToArray(), Source = "gen" };
    }

    private static RunConfig Tiny(int epochs, bool augment = false) => new()
    {
        Model = new ModelConfig { Task = "fmnist", Patch = 7, DModel = 8, DState = 4, NLayers = 2 },
        Train = new TrainConfig { Epochs = epochs, BatchSize = 16, Lr = 5e-3, WarmupSteps = 3, Seed = 5, Augment = augment },
    };

    private static Dictionary<string, float[]> Params(string checkpoint)
    {
        var f = SafetensorsFile.Read(checkpoint);
        return f.Tensors.Where(t => !t.Name.StartsWith("opt.")).ToDictionary(t => t.Name, t => t.AsFloat());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ResumeContinuesExactlyAsAnUninterruptedRun(bool augment)
    {
        set_num_threads(1);
        var train = Images(64, 1);
        var val = Images(16, 2);
        string straight = Directory.CreateTempSubdirectory().FullName, split = Directory.CreateTempSubdirectory().FullName;
        new Trainer(Tiny(3, augment), train, val, straight).Run(resume: false);
        StopAfterEpochs.Run(1, (obs, ct) => new Trainer(Tiny(3, augment), train, val, split, obs).Run(resume: false, ct));
        var log = new Trainer(Tiny(3, augment), train, val, split).Run(resume: true);
        Assert.Equal(3, log.Epochs.Count);
        var a = Params(Path.Combine(straight, Trainer.Last));
        var b = Params(Path.Combine(split, Trainer.Last));
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var k in a.Keys) Assert.Equal(a[k], b[k]);
        var la = TrainLog.FromJson(File.ReadAllText(Path.Combine(straight, Trainer.LogFile)), "a");
        Assert.Equal(la.Epochs.Select(e => e.TrainLoss), log.Epochs.Select(e => e.TrainLoss));
    }

    [Fact]
    public void TheTrainerRefusesAConfigThatDoesNotFitItsTaskBeforeBuildingAModel()
    {
        // Five outputs for ten classes once ran until libtorch's "Target 7 is out of bounds".
        var cfg = Tiny(1) with { Model = Tiny(1).Model with { NumOutputs = 5 } };
        string dir = Directory.CreateTempSubdirectory().FullName;
        var e = Assert.Throws<ConfigException>(() => new Trainer(cfg, Images(32, 1), Images(8, 2), dir).Run(resume: false));
        Assert.Contains("num_outputs 5 must equal the number of classes of task 'fmnist': 10", e.Message);
        Assert.False(File.Exists(Path.Combine(dir, Trainer.Last)));
    }

    [Fact]
    public void CheckpointRoundTripRestoresTheSameOutputs()
    {
        string dir = Directory.CreateTempSubdirectory().FullName;
        var cfg = Tiny(1);
        manual_seed(3);
        var model = new MambaModel(cfg.Model);
        var norm = new Data.Normalizer([0.5f], [0.25f]);
        string p = Path.Combine(dir, "m.safetensors");
        Checkpoint.Save(p, model, cfg, norm);
        var ck = Checkpoint.Load(p);
        Assert.Equal(cfg, ck.Config);
        Assert.Equal(norm.Mean, ck.Normalizer.Mean);
        manual_seed(99);
        var other = new MambaModel(ck.Config.Model);
        ck.LoadInto(other);
        model.eval(); other.eval();
        using var x = randn(4, 1, 28, 28);
        Assert.Equal(model.forward(x).data<float>().ToArray(), other.forward(x).data<float>().ToArray());
    }

    [Fact]
    public void CheckpointWithWrongShapeOrNaNIsRejected()
    {
        string dir = Directory.CreateTempSubdirectory().FullName, p = Path.Combine(dir, "m.safetensors");
        var cfg = Tiny(1);
        Checkpoint.Save(p, new MambaModel(cfg.Model), cfg, new Data.Normalizer([0f], [1f]));
        var bigger = cfg.Model with { DModel = 16 };
        Assert.Contains("has shape", Assert.Throws<EMambaException>(() => Checkpoint.Load(p).LoadInto(new MambaModel(bigger))).Message);
        var f = SafetensorsFile.Read(p);
        var poisoned = f.Tensors.Select(t => t.Name == "head.bias" ? TensorData.FromFloat(t.Name, [float.NaN, 0, 0, 0, 0, 0, 0, 0, 0, 0], 10) : t).ToList();
        SafetensorsFile.Write(p, poisoned, f.Metadata);
        Assert.Contains("NaN", Assert.Throws<EMambaException>(() => Checkpoint.Load(p).LoadInto(new MambaModel(cfg.Model))).Message);
        SafetensorsFile.Write(p, f.Tensors, new Dictionary<string, string> { ["format"] = "other" });
        Assert.Contains("not an eMamba float checkpoint", Assert.Throws<EMambaException>(() => Checkpoint.Load(p)).Message);
    }

    [Fact]
    public void RangeNormMatchesItsFormulaAndGradientsAreFinite()
    {
        var norm = new RangeNorm(5);
        var x = tensor(new float[] { 1, 2, 3, 4, 10 }, [1, 5]).requires_grad_();
        var y = norm.forward(x);
        // mean 4, centred [-3,-2,-1,0,6], range 9
        Assert.Equal(new[] { -3f / 9, -2f / 9, -1f / 9, 0f, 6f / 9 }, y.data<float>().ToArray().Select(v => MathF.Round(v, 5)).ToArray(),
            new FloatTolerance(1e-4f));
        (y * arange(5, dtype: float32)).sum().backward();
        Assert.All(x.grad!.data<float>().ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    private sealed class FloatTolerance(float tol) : IEqualityComparer<float>
    {
        public bool Equals(float a, float b) => Math.Abs(a - b) <= tol;
        public int GetHashCode(float v) => 0;
    }
}
