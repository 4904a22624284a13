using EMamba.Core;
using EMamba.Core.Checkpoints;

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
        var log = EMamba.Core.TrainLog.FromJson(File.ReadAllText(Path.Combine(run, "log.json")), "log");
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
    public void ResumeRefusesAChangedSeedOrSampleLimitAndKeepsTheBestCheckpoint()
    {
        string run = Path.Combine(dir, "resume-changed");
        Assert.Equal(0, Run("train", "--config", Config, "--data", Data, "--out", run, "--epochs", "1", "--no-test", "--threads", "1"));
        var best = File.ReadAllBytes(Path.Combine(run, "best.safetensors"));
        Assert.Equal(ExitCodes.BadConfig, Run("train", "--config", Config, "--data", Data, "--out", run, "--epochs", "2", "--resume",
            "--seed", "7", "--limit-train", "100", "--no-test", "--threads", "1"));
        Assert.Equal(ExitCodes.BadConfig, Run("train", "--config", Config, "--data", Data, "--out", run, "--epochs", "2", "--resume",
            "--batch-size", "8", "--no-test", "--threads", "1"));
        Assert.Equal(best, File.ReadAllBytes(Path.Combine(run, "best.safetensors")));
    }

    [Fact]
    public void ResumeNeedsARunAndExcludesForce()
    {
        string empty = Path.Combine(dir, "empty");
        Directory.CreateDirectory(empty);
        Assert.Equal(ExitCodes.Usage, Run("train", "--config", Config, "--data", Data, "--out", empty, "--resume", "--no-test", "--threads", "1"));
        Assert.Equal(ExitCodes.Usage, Run("train", "--config", Config, "--data", Data, "--out", Path.Combine(dir, "never"), "--resume", "--no-test", "--threads", "1"));
        Assert.Equal(ExitCodes.Usage, Run("train", "--config", Config, "--data", Data, "--out", empty, "--resume", "--force", "--no-test", "--threads", "1"));
        Assert.False(File.Exists(Path.Combine(empty, "last.safetensors")));
    }

    [Fact]
    public void AbsurdThreadCountsAndGenerationOptionsAreUsageErrors()
    {
        Assert.Equal(ExitCodes.Usage, Run("train", "--config", Config, "--data", Data, "--out", Path.Combine(dir, "t"), "--threads", "100000"));
        Assert.Equal(ExitCodes.Usage, Run("eval", "--model", Path.Combine(dir, "none.safetensors"), "--data", Data, "--threads", "0"));
        string model = Path.Combine(dir, "none.safetensors");   // the options are checked before the model is read
        foreach (var bad in new[] { new[] { "--temperature", "Infinity" }, ["--temperature", "NaN"], ["--temperature=-1"], ["--temperature", "1e9"],
                     ["--tokens", "0"], ["--tokens", "2000000"], ["--top-k=-1"], ["--threads", "100000"] })
            Assert.Equal(ExitCodes.Usage, Run(["generate", "--model", model, .. bad]));
    }

    [Fact]
    public void TrainRefusesARunFolderAnotherProcessIsTrainingIn()
    {
        string run = Path.Combine(dir, "run3");
        using (new RunFolder(run).Lock())   // what a second process holds while it trains there
        {
            Assert.Equal(ExitCodes.BadInput, Run("train", "--config", Config, "--data", Data, "--out", run, "--epochs", "1", "--no-test", "--threads", "1"));
            Assert.False(File.Exists(Path.Combine(run, "last.safetensors")));
        }
        Assert.Equal(0, Run("train", "--config", Config, "--data", Data, "--out", run, "--epochs", "1", "--no-test", "--threads", "1"));
    }

    private static (int Code, string Err) RunCapturingErrors(params string[] args) => CliRun.WithStderr(args);

    [Fact]
    public void ABadSwitchValueIsAConfigErrorNamingTheFieldAndTheAllowedValues()
    {
        File.WriteAllText(Config, """{ "model": { "norm": "batch", "silu": "PWL" } }""");
        var (code, err) = RunCapturingErrors("train", "--config", Config, "--data", Data, "--out", Path.Combine(dir, "x"));
        Assert.Equal(ExitCodes.BadConfig, code);
        Assert.Contains("model.norm 'batch' must be rms, layer or range", err);
        Assert.Contains("model.silu 'PWL' must be exact or pwl", err);
        Assert.False(Directory.Exists(Path.Combine(dir, "x")));
    }

    [Fact]
    public void SwitchOptionsTakeTheConfigSpellingOnly()
    {
        var (code, err) = RunCapturingErrors("train", "--task", "Fmnist", "--data", Data, "--out", Path.Combine(dir, "x"));
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--task 'Fmnist' is not one of fmnist, cifar10, mars, wikitext2", err);
        (code, err) = RunCapturingErrors("ablation", "--config", Config, "--range-init", "two");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--range-init 'two' must be matched or one", err);
        (code, err) = RunCapturingErrors("train", "--task", "cifar10", "--config", Config, "--data", Data, "--out", Path.Combine(dir, "x"));
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--task cifar10 but config", err);
        Assert.Contains("is for task 'fmnist'", err);
        Assert.False(Directory.Exists(Path.Combine(dir, "x")));
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
    public void AblationRunsEveryStageAndIsReusedWhenComplete()
    {
        // Trains two variants, fits PWL tables (approx fit), evaluates the swaps (eval --approx) and
        // fine-tunes (train --init-from --approx): every new command of the operator stage, end to end.
        string outDir = Path.Combine(dir, "abl"), report = Path.Combine(dir, "abl.md");
        string[] args = ["ablation", "--config", Config, "--data", Data, "--out", outDir, "--variants", "exact,range-relu",
            "--epochs", "2", "--finetune-epochs", "1", "--report", report, "--threads", "1"];
        Assert.Equal(0, Run(args));
        foreach (var f in new[] { "exact/best.safetensors", "range-relu/log.json", "approx/approx.json", "approx/approx-uniform.json",
                     "approx/approx.md", "approx/approx-silu.png", "approx/approx-exp-hist.png", "finetune/best.safetensors" })
            Assert.True(File.Exists(Path.Combine(outDir, f)), f);
        string md = File.ReadAllText(report);
        Assert.Contains("all eMamba ops, fine-tuned", md);
        Assert.Contains("| exp | 11 | [-4, 1] | fitted |", md);
        var tuned = EMamba.Training.Checkpoints.Checkpoint.Load(Path.Combine(outDir, "finetune", "best.safetensors"));
        Assert.Equal((Impl.Pwl, Impl.Pwl, Norm.Range, DeltaAct.Relu), (tuned.Config.Model.Silu, tuned.Config.Model.Exp, tuned.Config.Model.Norm, tuned.Config.Model.DeltaAct));
        Assert.Equal(RangeInit.Matched, tuned.Config.Model.RangeInit);                                     // the default gain
        Assert.Contains("matched to layer norm's scale", md);
        Assert.True(tuned.File.Contains(TensorNames.Pwl(EMamba.Core.Approx.PwlFunction.Exp).Knots));
        // A second run reuses every stage: nothing is retrained (the checkpoints stay untouched).
        var stamp = File.GetLastWriteTimeUtc(Path.Combine(outDir, "finetune", "best.safetensors"));
        Assert.Equal(0, Run(args));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(Path.Combine(outDir, "finetune", "best.safetensors")));
        Assert.Contains("| exp | 11 | [-4, 1] | fitted |", File.ReadAllText(report));   // error table from approx.json's record
        // The stage commands on their own, and their bad-input paths.
        string best = Path.Combine(outDir, "range-relu", "best.safetensors"), approx = Path.Combine(outDir, "approx", "approx.json");
        Assert.Equal(0, Run("eval", "--model", best, "--data", Data, "--approx", approx, "--approx-ops", "exp", "--threads", "1"));
        Assert.Equal(0, Run("approx", "fit", "--model", best, "--data", Data, "--out", Path.Combine(dir, "a2.json"), "--samples", "20",
            "--silu-segments", "9", "--silu-range=-6:6", "--threads", "1"));
        Assert.Equal(9, EMamba.Core.Approx.ApproxFile.Load(Path.Combine(dir, "a2.json")).Tables[EMamba.Core.Approx.PwlFunction.Silu].Segments);
        Assert.Equal(ExitCodes.Usage, Run("approx", "fit", "--model", best, "--data", Data, "--out", Path.Combine(dir, "a3.json"), "--exp-range=1:-4"));
        File.WriteAllText(Path.Combine(dir, "broken.json"), """{ "format": "emamba-approx/1", "tables": { "exp": { "knots": [0, -1], "values": [1, 2] } } }""");
        Assert.Equal(ExitCodes.BadConfig, Run("eval", "--model", best, "--data", Data, "--approx", Path.Combine(dir, "broken.json")));
        Assert.Equal(0, Run("train", "--init-from", best, "--approx", approx, "--only-approx", "--data", Data, "--out", Path.Combine(dir, "knots"),
            "--epochs", "1", "--no-test", "--threads", "1"));
        var before = EMamba.Training.Checkpoints.Checkpoint.Load(best);
        var after = EMamba.Training.Checkpoints.Checkpoint.Load(Path.Combine(dir, "knots", "last.safetensors"));
        Assert.Equal(before.File[TensorNames.Head.Weight].AsFloat(), after.File[TensorNames.Head.Weight].AsFloat());   // frozen
        Assert.NotEqual(EMamba.Core.Approx.ApproxFile.Load(approx).Tables[EMamba.Core.Approx.PwlFunction.Exp].Values.Select(v => (float)v),
            after.File[TensorNames.Pwl(EMamba.Core.Approx.PwlFunction.Exp).Values].AsFloat());                                              // trained
    }

    [Fact]
    public void DemoRunsTheOperatorStageAndWritesItsReport()
    {
        string outDir = Path.Combine(dir, "demo");
        string wiki = Path.Combine(dir, "wt");
        Directory.CreateDirectory(wiki);
        var lines = Enumerable.Range(0, 1200).Select(i => string.Join(" ", Enumerable.Range(0, 10).Select(k => $"w{(i * 3 + k) % 25}"))).ToList();
        File.WriteAllLines(Path.Combine(wiki, "valid.txt"), lines);
        File.WriteAllLines(Path.Combine(wiki, "test.txt"), lines.Take(60));
        // No MARS folder: the demo generates synthetic MARS data and says so in the report.
        Assert.Equal(0, Run("demo", "--config", Config, "--data", Data, "--out", outDir, "--epochs", "1", "--threads", "1",
            "--mars", Path.Combine(dir, "no-mars"), "--wikitext", wiki, "--limit-train", "200"));
        string md = File.ReadAllText(Path.Combine(outDir, "report.md"));
        Assert.Contains("exact Mamba", md);
        Assert.Contains("all eMamba ops, fine-tuned", md);
        foreach (var run in new[] { "fmnist-cnn-s", "fmnist-vit-s", "mars", "wikitext2" }) Assert.Contains($"`{run}`", md);
        Assert.Contains("synthetic MARS-shaped data", md);
        Assert.Contains("compares nothing on an equal budget", md);
        Assert.Contains("Perplexity vs sequence length", md);
        // Stage 4: the INT8 model's accelerator, generated and co-simulated (verilator is installed by build/setup.sh test).
        Assert.Contains("## The accelerator (stage 4)", md);
        if (EMamba.Hardware.Simulation.Missing(EMamba.Hardware.Simulator.Verilator) is null)
        {
            Assert.Contains("bit-exact against the integer engine", md);
            Assert.Contains("equal to the cycle model", md);
            Assert.True(File.Exists(Path.Combine(outDir, "hw", "rtl", "emamba_top.v")));
            // Its cost figures: the hardware report of the same model.
            Assert.Contains("`emamba hw report`", md);
            Assert.Contains("mm2 at 22 nm (modelled", md);
            Assert.True(File.Exists(Path.Combine(outDir, "hw-report", "report.json")));
        }
        Assert.True(File.Exists(Path.Combine(outDir, "report.json")));
        foreach (var png in new[] { "report-mars-params.png", "report-wikitext2-params.png", "report-wikitext2-lengths.png" })
            Assert.True(File.Exists(Path.Combine(outDir, png)), png);
    }

    [Fact]
    public void BenchEngineQuickRunsOnATinyConfig()
    {
        // Every contender but the PyTorch peer (a machine may lack python3-torch); no timing is asserted.
        var outp = new StringWriter();
        var old = Console.Out;
        Console.SetOut(outp);
        try { Assert.Equal(0, Run("bench", "engine", "--quick", "--configs", Config, "--threads", "2", "--skip-pytorch")); }
        finally { Console.SetOut(old); }
        string text = outp.ToString();
        Assert.Contains("arithmetic floor", text);
        Assert.Contains("MACs/frame", text);
    }

    [Fact]
    public void HelpWorksOnEveryCommand()
    {
        foreach (var c in new[] { new[] { "--help" }, ["train", "--help"], ["eval", "--help"], ["approx", "fit", "--help"], ["ablation", "--help"], ["demo", "--help"], ["bench", "train", "--help"], ["bench", "engine", "--help"],
            ["generate", "--help"], ["report", "--help"], ["config", "list"], ["config", "show", "mars-paper"], ["data", "mars-synthetic", "--help"] })
            Assert.Equal(0, Run(c));
    }
}
