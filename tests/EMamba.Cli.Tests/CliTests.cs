using EMamba.Core;

namespace EMamba.Cli.Tests;

/// <summary>End to end through the command line, in process, on generated IDX files.</summary>
[Collection("cli")] // the CLI sets torch's global thread count; keep these tests serial
public sealed class CliTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("emamba-cli-").FullName;
    private string Data => Path.Combine(dir, "data");
    private string Config => Path.Combine(dir, "tiny.json");

    public CliTests()
    {
        TinyData.FashionMnist(Data);
        File.WriteAllText(Config, TinyData.TinyConfig);
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static int Run(params string[] args) => App.Run(args);

    [Fact]
    public void TrainThenEvalProducesRunFolderAndLearns()
    {
        string run = Path.Combine(dir, "run");
        Assert.Equal(0, Run("train", "--config", Config, "--data", Data, "--out", run, "--threads", "1"));
        foreach (var f in new[] { "best.safetensors", "last.safetensors", "log.json", "curve.png", "config.json", "report.md" })
            Assert.True(File.Exists(Path.Combine(run, f)), f);
        var log = EMamba.Training.TrainLog.FromJson(File.ReadAllText(Path.Combine(run, "log.json")), "log");
        Assert.Equal(3, log.Epochs.Count);
        Assert.True(log.Test["accuracy"] > 30, $"tiny model should beat chance clearly, got {log.Test["accuracy"]}");
        Assert.Equal(0, Run("eval", "--model", Path.Combine(run, "best.safetensors"), "--data", Data, "--split", "test", "--threads", "1"));
        Assert.Equal(0, Run("eval", "--model", Path.Combine(run, "best.safetensors"), "--data", Data, "--split", "val", "--limit-test", "10"));
    }

    [Fact]
    public void TrainRefusesToOverwriteARunWithoutResumeOrForce()
    {
        string run = Path.Combine(dir, "run2");
        Assert.Equal(0, Run("train", "--config", Config, "--data", Data, "--out", run, "--epochs", "1", "--no-test", "--threads", "1"));
        Assert.Equal(ExitCodes.Usage, Run("train", "--config", Config, "--data", Data, "--out", run, "--epochs", "1", "--no-test"));
        Assert.Equal(0, Run("train", "--config", Config, "--data", Data, "--out", run, "--epochs", "2", "--resume", "--no-test", "--threads", "1"));
    }

    [Fact]
    public void BadConfigExitsWithConfigCode()
    {
        File.WriteAllText(Config, """{ "model": { "d_model": -3, "patch": 5 }, "train": {} }""");
        Assert.Equal(ExitCodes.BadConfig, Run("train", "--config", Config, "--data", Data, "--out", Path.Combine(dir, "x")));
        Assert.False(Directory.Exists(Path.Combine(dir, "x")));
    }

    [Fact]
    public void MissingDataAndBadModelFilesExitWithInputCode()
    {
        Assert.Equal(ExitCodes.BadInput, Run("train", "--config", Config, "--data", Path.Combine(dir, "nope"), "--out", Path.Combine(dir, "y")));
        string bad = Path.Combine(dir, "bad.safetensors");
        File.WriteAllBytes(bad, [1, 2, 3]);
        Assert.Equal(ExitCodes.BadInput, Run("eval", "--model", bad, "--data", Data));
        Assert.Equal(ExitCodes.BadInput, Run("eval", "--model", Path.Combine(dir, "missing.safetensors"), "--data", Data));
    }

    [Fact]
    public void UsageErrorsExitWithUsageCode()
    {
        Assert.Equal(ExitCodes.Usage, Run("train", "--no-such-flag"));
        Assert.Equal(ExitCodes.Usage, Run("eval"));
        Assert.Equal(ExitCodes.Usage, Run("train", "--config", Config, "--data", Data, "--limit-train", "0", "--out", Path.Combine(dir, "z")));
    }

    [Fact]
    public void HelpWorksOnEveryCommand()
    {
        foreach (var c in new[] { new[] { "--help" }, ["train", "--help"], ["eval", "--help"], ["demo", "--help"], ["bench", "train", "--help"] })
            Assert.Equal(0, Run(c));
    }
}
