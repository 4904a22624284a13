using EMamba.Core;
using EMamba.Data;
using EMamba.Training.Scan;

namespace EMamba.Cli.Tests;

/// <summary>Each task and each baseline through the command line on tiny generated data in the real
/// file formats: CIFAR-10 (canonical binaries), MARS (.npy, synthetic poses), WikiText (token files),
/// CNN and ViT on IDX images.</summary>
[Collection("cli")]
public sealed class TaskTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("emamba-tasks-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static int Run(params string[] args) => App.Run(args);

    private string Write(string name, string json)
    {
        string p = Path.Combine(dir, name);
        File.WriteAllText(p, json);
        return p;
    }

    private static TrainLog Log(string run) => TrainLog.FromJson(File.ReadAllText(Path.Combine(run, "log.json")), "log");

    [Fact]
    public void MarsTrainsOnSyntheticPosesAndReportsCentimetres()
    {
        string data = Path.Combine(dir, "mars");
        Assert.Equal(0, Run("data", "mars-synthetic", "--out", data, "--train", "600", "--validate", "150", "--test", "150", "--seed", "4"));
        Assert.Equal(ExitCodes.Usage, Run("data", "mars-synthetic", "--out", data));          // never over an existing folder
        Assert.Equal(ExitCodes.Usage, Run("data", "mars-synthetic", "--out", Path.Combine(dir, "m0"), "--test", "0"));
        Assert.False(Directory.Exists(Path.Combine(dir, "m0")));
        string cfg = Write("mars.json", """
        {
          "model": { "task": "mars", "in_channels": 5, "height": 8, "width": 8, "patch": 2, "d_model": 8, "d_state": 4,
                     "n_layers": 1, "head": "regress", "num_outputs": 57 },
          "train": { "epochs": 4, "batch_size": 32, "lr": 0.01, "warmup_steps": 5 }
        }
        """);
        string run = Path.Combine(dir, "mars-run");
        Assert.Equal(0, Run("train", "--config", cfg, "--data", data, "--out", run, "--threads", "1"));
        var log = Log(run);
        Assert.Equal("mae_cm", log.MetricName);
        Assert.False(log.HigherIsBetter);
        foreach (var k in new[] { "mae_cm", "rmse_cm", "mae_x_cm", "mae_y_cm", "mae_z_cm", "rmse_z_cm" }) Assert.True(log.Test.ContainsKey(k), k);
        Assert.True(log.Epochs[^1].ValMetric < log.Epochs[0].TrainMetric, "the error falls while training");
        Assert.Contains("official MARS validate split", log.Protocol);
        Assert.Contains("official MARS train split", log.Protocol);       // the synthetic folder has the full training files
        Assert.Contains("test mae_cm", File.ReadAllText(Path.Combine(run, "report.md")));
        Assert.Equal(0, Run("eval", "--model", Path.Combine(run, "best.safetensors"), "--data", data, "--split", "val", "--threads", "1"));
    }

    [Fact]
    public void Cifar10TrainsWithAugmentationOnCanonicalBinaries()
    {
        string data = TinyData.Cifar10Binaries(Path.Combine(dir, "c10"));
        string cfg = Write("c10.json", """
        {
          "model": { "task": "cifar10", "in_channels": 3, "height": 32, "width": 32, "patch": 8, "d_model": 8, "d_state": 4, "n_layers": 1 },
          "train": { "epochs": 4, "batch_size": 16, "lr": 0.01, "warmup_steps": 5, "seed": 3, "val_fraction": 0.2 }
        }
        """);
        string run = Path.Combine(dir, "c10-run");
        Assert.Equal(0, Run("train", "--config", cfg, "--data", data, "--out", run, "--augment", "true", "--threads", "1"));
        var log = Log(run);
        Assert.True(log.Config.Train.Augment, "--augment true reaches the run's config");
        Assert.Equal((240, 60), (log.TrainSamples, log.ValSamples));          // 5 batches of 60, 20 % held out
        Assert.True(log.Test["accuracy"] > 30, $"test accuracy {log.Test["accuracy"]} should beat chance (10 %)");
        Assert.Contains("training images augmented (random crop, flip)", File.ReadAllText(Path.Combine(run, "report.md")));
        Assert.Equal(0, Run("eval", "--model", Path.Combine(run, "best.safetensors"), "--data", data, "--split", "test", "--threads", "1"));
        // A truncated test batch is named, and nothing is trained.
        File.WriteAllBytes(Path.Combine(data, "cifar-10-batches-bin", "test_batch.bin"), new byte[5000]);
        Assert.Equal(ExitCodes.BadInput, Run("eval", "--model", Path.Combine(run, "best.safetensors"), "--data", data, "--threads", "1"));
    }

    [Fact]
    public void LanguageModelTrainsEvaluatesByLengthAndGenerates()
    {
        string data = Path.Combine(dir, "wt");
        Directory.CreateDirectory(data);
        var rng = new Random(5);
        var lines = Enumerable.Range(0, 400).Select(i => string.Join(" ", Enumerable.Range(0, 10).Select(k => $"w{(i + k) % 30}"))).ToList();
        File.WriteAllLines(Path.Combine(data, "valid.txt"), lines);
        File.WriteAllLines(Path.Combine(data, "test.txt"), lines.Take(120));
        string cfg = Write("lm.json", """
        {
          "model": { "task": "wikitext2", "head": "lm", "d_model": 16, "d_state": 4, "n_layers": 1, "embed_dim": 8 },
          "train": { "epochs": 2, "batch_size": 4, "seq_len": 16, "lr": 0.01, "warmup_steps": 5 }
        }
        """);
        string run = Path.Combine(dir, "lm-run");
        Assert.Equal(0, Run("train", "--config", cfg, "--data", data, "--out", run, "--threads", "1"));
        var log = Log(run);
        Assert.Equal("perplexity", log.MetricName);
        Assert.Equal(32, log.Config.Model.Vocab);                            // 30 words + <eos> + <unk>, from the data
        Assert.True(log.Test["perplexity"] < 32, $"test perplexity {log.Test["perplexity"]} should beat uniform");
        foreach (int L in new[] { 64, 128, 256, 512, 1024 }) Assert.True(log.Test.ContainsKey($"ppl_{L}"), $"ppl_{L}");
        Assert.Contains("train.txt is missing", log.Protocol);
        string best = Path.Combine(run, "best.safetensors");
        Assert.Equal(0, Run("generate", "--model", best, "--prompt", "w1 w2", "--tokens", "12", "--seed", "3", "--threads", "1"));
        Assert.Equal(0, Run("approx", "fit", "--model", best, "--data", data, "--out", Path.Combine(run, "approx.json"), "--samples", "5"));
        Assert.Equal(0, Run("eval", "--model", best, "--data", data, "--approx", Path.Combine(run, "approx.json"), "--threads", "1"));
        Assert.Equal(ExitCodes.BadInput, Run("generate", "--model", Path.Combine(dir, "none.safetensors")));
        // The operator ablation works on a language model too: perplexity instead of accuracy.
        string abl = Path.Combine(dir, "lm-abl");
        Assert.Equal(0, Run("ablation", "--config", cfg, "--data", data, "--out", abl, "--variants", "exact,range-relu",
            "--finetune-epochs", "1", "--report", Path.Combine(abl, "ablation.md"), "--threads", "1"));
        string md = File.ReadAllText(Path.Combine(abl, "ablation.md"));
        Assert.Contains("| model | test perplexity |", md);
        Assert.Contains("all eMamba ops, fine-tuned", md);
    }

    [Theory]
    [InlineData("cnn")]
    [InlineData("vit")]
    public void BaselinesTrainThroughTheSamePipeline(string arch)
    {
        string data = TinyData.FashionMnist(Path.Combine(dir, "fm"));
        string cfg = Write($"{arch}.json", $$"""
        {
          "model": { "task": "fmnist", "arch": "{{arch}}", "patch": 7, "d_model": 8, "n_layers": 2, "heads": 2 },
          "train": { "epochs": 3, "batch_size": 16, "lr": 0.01, "warmup_steps": 5, "seed": 3, "val_fraction": 0.2 }
        }
        """);
        string run = Path.Combine(dir, arch);
        Assert.Equal(0, Run("train", "--config", cfg, "--data", data, "--out", run, "--threads", "1"));
        var log = Log(run);
        Assert.True(log.Epochs[^1].TrainLoss < log.Epochs[0].TrainLoss, $"{arch}: training loss did not fall");
        // The tiny classes differ only in where their square sits; a CNN's global pooling is blind to
        // that by design, so only the ViT (position embeddings) must beat chance here.
        if (arch == "vit") Assert.True(log.Test["accuracy"] > 20, $"{arch}: {log.Test["accuracy"]}");
        Assert.Contains(arch == "cnn" ? "CNN" : "ViT", File.ReadAllText(Path.Combine(run, "report.md")));
        // A baseline has nothing to approximate: a clear error, not a crash.
        Assert.Equal(ExitCodes.BadInput, Run("approx", "fit", "--model", Path.Combine(run, "best.safetensors"), "--data", data, "--out", Path.Combine(run, "a.json")));
    }

    [Fact]
    public void ReportTabulatesEveryFinishedRunWithPlots()
    {
        string data = TinyData.FashionMnist(Path.Combine(dir, "fm"));
        string runs = Path.Combine(dir, "runs");
        foreach (var (name, arch, width) in new[] { ("mamba", "mamba", 8), ("cnn-s", "cnn", 2), ("cnn-l", "cnn", 8) })
        {
            string cfg = Write($"{name}.json", $$"""
            {
              "model": { "task": "fmnist", "arch": "{{arch}}", "patch": 7, "d_model": {{width}}, "d_state": 4, "n_layers": 1 },
              "train": { "epochs": 1, "batch_size": 32, "lr": 0.01, "warmup_steps": 2, "val_fraction": 0.2 }
            }
            """);
            Assert.Equal(0, Run("train", "--config", cfg, "--data", data, "--out", Path.Combine(runs, name), "--threads", "1"));
        }
        Directory.CreateDirectory(Path.Combine(runs, "unfinished"));
        File.WriteAllText(Path.Combine(runs, "unfinished", "log.json"), "{ not json");
        string report = Path.Combine(dir, "out", "report.md");
        Assert.Equal(0, Run("report", "--runs", runs, "--out", report));
        string md = File.ReadAllText(report);
        foreach (var name in new[] { "`mamba`", "`cnn-s`", "`cnn-l`" }) Assert.Contains(name, md);
        Assert.DoesNotContain("unfinished", md);
        Assert.True(File.Exists(Path.Combine(dir, "out", "report-fmnist-params.png")));
        Assert.Contains("\"task\": \"fmnist\"", File.ReadAllText(Path.Combine(dir, "out", "report.json")));
        Assert.Equal(ExitCodes.BadInput, Run("report", "--runs", Path.Combine(dir, "none")));
        Assert.Equal(ExitCodes.Usage, Run("report", "--runs", runs, "--out", Path.Combine(dir, "r.txt")));
    }

    [Fact]
    public void SuiteRunsMambaEMambaAndBaselinesThenReports()
    {
        string mars = Path.Combine(dir, "mars");
        MarsSynthetic.WriteFolder(mars, train: 300, validate: 100, test: 100, seed: 6);
        string runs = Path.Combine(dir, "runs"), report = Path.Combine(dir, "suite.md");
        Assert.Equal(0, Run("suite", "--tasks", "mars", "--mars", mars, "--out", runs, "--report", report, "--epochs", "1", "--threads", "1"));
        foreach (var sub in new[] { "ablation/mars-paper/exact", "ablation/mars-paper/range-relu", "ablation/mars-paper/finetune",
                                    "baselines/mars-cnn-s", "baselines/mars-cnn-m", "baselines/mars-vit-s", "baselines/mars-vit-m" })
            Assert.True(File.Exists(Path.Combine(runs, sub, "log.json")), sub);
        string md = File.ReadAllText(report);
        Assert.Contains("eMamba (fine-tuned)", md);
        Assert.Contains("eMamba (fine-tuned) (`ablation/mars-paper/finetune`)", md);   // the eMamba-vs-baseline comparison line
        Assert.Contains("| MAE x / y / z (cm) |", md);
        // Every report of the MARS runs states the protocol (which split trained, selected, scored).
        foreach (var rep in new[] { "ablation/mars-paper/ablation.md", "ablation/mars-paper/approx/approx.md", "baselines/mars-vit-s/report.md" })
            Assert.Contains("models selected on validate, reported on test", File.ReadAllText(Path.Combine(runs, rep)));
        // A rerun reuses everything (no training: the logs stay as they are).
        var before = File.GetLastWriteTimeUtc(Path.Combine(runs, "baselines/mars-cnn-s/log.json"));
        Assert.Equal(0, Run("suite", "--tasks", "mars", "--mars", mars, "--out", runs, "--report", report, "--epochs", "1", "--threads", "1"));
        Assert.Equal(before, File.GetLastWriteTimeUtc(Path.Combine(runs, "baselines/mars-cnn-s/log.json")));
        Assert.Equal(ExitCodes.Usage, Run("suite", "--tasks", "imagenet"));
        Assert.Equal(ExitCodes.Usage, Run("suite", "--tasks", "mars", "--range-init", "two"));
        // gamma = 1 runs go where 'emamba ablation --range-init one' puts them, beside the matched ones.
        Assert.Equal(0, Run("suite", "--tasks", "mars", "--mars", mars, "--out", runs, "--report", report, "--epochs", "1", "--threads", "1",
            "--range-init", "one", "--no-baselines"));
        Assert.True(File.Exists(Path.Combine(runs, "ablation/mars-paper-gamma1/finetune/log.json")));
        Assert.Contains("gamma = 1", File.ReadAllText(Path.Combine(runs, "ablation/mars-paper-gamma1/ablation.md")));
    }
}
