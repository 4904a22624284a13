using EMamba.Core;
using EMamba.Data;
using EMamba.Training.Modules;
using static TorchSharp.torch;
using EMamba.Training.Checkpoints;
using EMamba.Training.Eval;
using EMamba.Training.Scan;
using EMamba.Training.Train;
using EMamba.Core.Checkpoints;

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
        Model = new ModelConfig { Task = TaskKind.Fmnist, Patch = 7, DModel = 8, DState = 4, NLayers = 2 },
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
        var a = Params(Path.Combine(straight, RunFolder.LastFile));
        var b = Params(Path.Combine(split, RunFolder.LastFile));
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var k in a.Keys) Assert.Equal(a[k], b[k]);
        var la = TrainLog.FromJson(File.ReadAllText(Path.Combine(straight, RunFolder.LogFile)), "a");
        Assert.Equal(la.Epochs.Select(e => e.TrainLoss), log.Epochs.Select(e => e.TrainLoss));
    }

    /// <summary>Collects the observer's messages.</summary>
    private sealed class Messages : ITrainObserver
    {
        public readonly List<string> All = [];
        public void Message(string text) => All.Add(text);
        public void EpochStarted(int epoch, int total, int batches) { }
        public void BatchDone(int batch, double loss) { }
        public void EpochDone(EpochRecord record, bool isBest) { }
    }

    [Fact]
    public void WarmupIsCappedAtATenthOfTheRun()
    {
        // fmnist-small --epochs 1 --limit-train 6000: 42 steps, warm-up 200 -> 4.
        Assert.Equal(4, Optim.CosineSchedule.EffectiveWarmup(200, 42));
        // The full fmnist-small run (6 epochs x 422 steps) keeps its 200, so the demo's figures stay.
        Assert.Equal(200, Optim.CosineSchedule.EffectiveWarmup(200, 6 * 422));
        Assert.Equal(0, Optim.CosineSchedule.EffectiveWarmup(0, 1000));
    }

    [Fact]
    public void AShortRunReachesItsPeakRateAndLogsTheWarmupUsed()
    {
        set_num_threads(1);
        string dir = Directory.CreateTempSubdirectory().FullName;
        // 64 samples / 16 = 4 steps an epoch, 3 epochs = 12 steps: a 200-step warm-up becomes 1.
        var cfg = Tiny(3) with { Train = Tiny(3).Train with { WarmupSteps = 200 } };
        var obs = new Messages();
        var log = new Trainer(cfg, Images(64, 1), Images(16, 2), dir, obs).Run(resume: false);
        Assert.Equal(1, log.WarmupSteps);
        Assert.Equal(1, TrainLog.FromJson(File.ReadAllText(Path.Combine(dir, RunFolder.LogFile)), "log").WarmupSteps);
        Assert.Contains("warm-up 1 steps", obs.All[0]);
        Assert.Contains("capped at 10 %", obs.All[0]);
        Assert.Single(obs.All, m => m.Contains("warm-up"));
        // Uncapped, the rate after epoch 1 would be 4/200 of the peak.
        Assert.True(log.Epochs[0].Lr > 0.5 * cfg.Train.Lr, $"lr {log.Epochs[0].Lr} after epoch 1");
        // Resumed, the run keeps (and logs) the warm-up it started with.
        var resumed = new Trainer(Tiny(4) with { Train = cfg.Train with { Epochs = 4 } }, Images(64, 1), Images(16, 2), dir).Run(resume: true);
        Assert.Equal(1, resumed.WarmupSteps);
    }

    private static EMambaException ResumeError(string dir, RunConfig cfg, int samples = 64) =>
        Assert.Throws<EMambaException>(() => new Trainer(cfg, Images(samples, 1), Images(16, 2), dir).Run(resume: true));

    [Fact]
    public void ResumeRefusesAChangedConfigOrDataListingEachField()
    {
        set_num_threads(1);
        string dir = Directory.CreateTempSubdirectory().FullName;
        new Trainer(Tiny(2), Images(64, 1), Images(16, 2), dir).Run(resume: false);
        string best = Path.Combine(dir, RunFolder.BestFile);
        var bytes = File.ReadAllBytes(best);
        var changed = Tiny(3) with { Train = Tiny(3).Train with { Seed = 7, BatchSize = 8 } };
        var e = ResumeError(dir, changed, samples: 32);
        Assert.Equal(ExitCodes.BadConfig, e.ExitCode);
        Assert.Contains("train.seed: 5 in the run, 7 requested", e.Message);
        Assert.Contains("train.batch_size: 16 in the run, 8 requested", e.Message);
        Assert.Contains("training samples (--limit-train): 64 in the run, 32 requested", e.Message);
        Assert.DoesNotContain("train.epochs", e.Message);
        Assert.Equal(bytes, File.ReadAllBytes(best));
        // Fewer epochs than already trained cannot be a continuation.
        Assert.Contains("2 already trained, 1 requested", ResumeError(dir, Tiny(1)).Message);
        // A model change is listed field by field too.
        var wider = Tiny(3) with { Model = Tiny(3).Model with { DModel = 16 } };
        Assert.Contains("model.d_model: 8 in the run, 16 requested", ResumeError(dir, wider).Message);
        // The same config with more epochs extends the run.
        Assert.Equal(3, new Trainer(Tiny(3), Images(64, 1), Images(16, 2), dir).Run(resume: true).Epochs.Count);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("abc")]
    [InlineData("-3")]
    public void ResumeFromALastCheckpointWithABadOptStepNamesFileAndKey(string? step)
    {
        set_num_threads(1);
        string dir = Directory.CreateTempSubdirectory().FullName, last = Path.Combine(dir, RunFolder.LastFile);
        new Trainer(Tiny(1), Images(64, 1), Images(16, 2), dir).Run(resume: false);
        var f = SafetensorsFile.Read(last);
        var meta = f.Metadata.Where(kv => kv.Key != "opt_step").ToDictionary();
        if (step != null) meta["opt_step"] = step;
        SafetensorsFile.Write(last, f.Tensors, meta);
        var e = ResumeError(dir, Tiny(2));
        Assert.Contains(last, e.Message);
        Assert.Contains("'opt_step'", e.Message);
        Assert.Equal(ExitCodes.BadInput, e.ExitCode);
    }

    [Fact]
    public void ResumeOnAFolderWithoutARunIsAnError()
    {
        string dir = Directory.CreateTempSubdirectory().FullName;
        var e = ResumeError(dir, Tiny(1));
        Assert.Equal($"{dir}: nothing to resume (no last.safetensors)", e.Message);
        Assert.Equal(ExitCodes.Usage, e.ExitCode);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir));
    }

    [Fact]
    public void ThreadCountsOutsideOneToFourTimesTheCoresAreUsageErrors()
    {
        Assert.Equal(Environment.ProcessorCount, TorchThreads.Check(null));
        Assert.Equal(1, TorchThreads.Check(1));
        Assert.Equal(4 * Environment.ProcessorCount, TorchThreads.Check(4 * Environment.ProcessorCount));
        foreach (int n in new[] { 0, -1, 4 * Environment.ProcessorCount + 1, 100000 })
        {
            var e = Assert.Throws<EMambaException>(() => TorchThreads.Check(n));
            Assert.Equal(ExitCodes.Usage, e.ExitCode);
            Assert.Contains("--threads", e.Message);
        }
    }

    [Theory]
    [InlineData(10, double.PositiveInfinity, 0)]
    [InlineData(10, double.NaN, 0)]
    [InlineData(10, -0.5, 0)]
    [InlineData(10, 1e6, 0)]
    [InlineData(0, 0.8, 0)]
    [InlineData(2_000_000, 0.8, 0)]
    [InlineData(10, 0.8, -1)]
    public void GenerationOptionsOutOfRangeAreUsageErrors(int tokens, double temperature, int topK) =>
        Assert.Equal(ExitCodes.Usage, Assert.Throws<EMambaException>(() => LmGenerator.CheckOptions(tokens, temperature, topK)).ExitCode);

    [Fact]
    public void GenerationOptionsInRangePass()
    {
        LmGenerator.CheckOptions(1, 0, 0);
        LmGenerator.CheckOptions(100, 0.8, 40);
        LmGenerator.CheckOptions(LmGenerator.MaxTokens, LmGenerator.MaxTemperature, 0);
    }

    [Fact]
    public void TheTrainerRefusesAConfigThatDoesNotFitItsTaskBeforeBuildingAModel()
    {
        // Five outputs for ten classes once ran until libtorch's "Target 7 is out of bounds".
        var cfg = Tiny(1) with { Model = Tiny(1).Model with { NumOutputs = 5 } };
        string dir = Directory.CreateTempSubdirectory().FullName;
        var e = Assert.Throws<ConfigException>(() => new Trainer(cfg, Images(32, 1), Images(8, 2), dir).Run(resume: false));
        Assert.Contains("num_outputs 5 must equal the number of classes of task 'fmnist': 10", e.Message);
        Assert.False(File.Exists(Path.Combine(dir, RunFolder.LastFile)));
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
        var poisoned = f.Tensors.Select(t => t.Name == TensorNames.Head.Bias ? TensorData.FromFloat(t.Name, [float.NaN, 0, 0, 0, 0, 0, 0, 0, 0, 0], 10) : t).ToList();
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
