using EMamba.Core;
using EMamba.Data;
using EMamba.Training.Stages;

namespace EMamba.Cli.Tests;

/// <summary>The stages are library calls: a request in, a record out, progress through the observer,
/// nothing on the console; the CLI only parses options and prints.</summary>
[Collection("cli")]
public sealed class StageTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("emamba-stage-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    private sealed class Recorder : IStageObserver
    {
        public readonly List<string> Messages = [];
        public readonly List<string> Trainings = [];
        public int Epochs;
        public void Info(string text) => Messages.Add(text);
        public T Training<T>(string metric, Func<ITrainObserver, T> body)
        {
            Trainings.Add(metric);
            return body(new EpochCounter(this));
        }
        private sealed class EpochCounter(Recorder r) : ITrainObserver
        {
            public void Message(string text) => r.Messages.Add(text);
            public void EpochStarted(int epoch, int epochs, int batches) { }
            public void BatchDone(int batch, double loss) { }
            public void EpochDone(EpochRecord record, bool isBest) => r.Epochs++;
        }
    }

    [Fact]
    public void Train_then_evaluate_as_library_calls_without_the_console()
    {
        string data = TinyData.FashionMnist(Path.Combine(root, "data"));
        var cfg = RunConfig.Parse(TinyData.TinyConfig, "tiny");
        string dir = Path.Combine(root, "run");
        var obs = new Recorder();
        var stdout = Console.Out;
        using var captured = new StringWriter();
        Console.SetOut(captured);
        TrainLog log;
        EvalStage.Outcome eval;
        try
        {
            TorchSharp.torch.set_num_threads(1);
            log = TrainStage.Run(new TrainStage.Request(cfg, data, null, null, dir, Resume: false, Force: false, Test: true, "test", obs), CancellationToken.None);
            eval = EvalStage.Run(new RunFolder(dir).Best, data, "test", null, 50);
        }
        finally { Console.SetOut(stdout); }

        Assert.Equal("", captured.ToString());
        Assert.Equal(["accuracy"], obs.Trainings);
        Assert.Equal(cfg.Train.Epochs, obs.Epochs);
        Assert.Contains(obs.Messages, m => m.StartsWith("data: ", StringComparison.Ordinal));
        Assert.True(File.Exists(new RunFolder(dir).Report));
        // The test figure in the log is the evaluation of best.safetensors on the test split.
        Assert.Equal(100, eval.Samples);
        Assert.Equal(log.Test["accuracy"], eval.Metric, 10);
        Assert.Contains(eval.Rows, r => r.Item == "parameters");
    }

    [Fact]
    public void A_finished_run_folder_is_reused_not_retrained()
    {
        string data = TinyData.FashionMnist(Path.Combine(root, "data"));
        var cfg = RunConfig.Parse(TinyData.TinyConfig, "tiny");
        string dir = Path.Combine(root, "run");
        TorchSharp.torch.set_num_threads(1);
        var first = AblationStage.TrainOrReuse(cfg, dir, data, null, null, "test", null, CancellationToken.None);
        var obs = new Recorder();
        var again = AblationStage.TrainOrReuse(cfg, dir, data, null, null, "test", obs, CancellationToken.None);
        Assert.Empty(obs.Trainings);
        Assert.Contains(obs.Messages, m => m.Contains("complete, reused", StringComparison.Ordinal));
        Assert.Equal(first.Test["accuracy"], again.Test["accuracy"]);
    }

    // Runs a stage with stdout captured; returns its result and what reached stdout.
    private static (T Result, string Stdout) Quiet<T>(Func<T> body)
    {
        var stdout = Console.Out;
        using var captured = new StringWriter();
        Console.SetOut(captured);
        try { return (body(), captured.ToString()); }
        finally { Console.SetOut(stdout); }
    }

    [Fact]
    public void The_suite_runs_ablation_then_baselines_and_reports_as_a_library_call()
    {
        string mars = Path.Combine(root, "mars");
        MarsSynthetic.WriteFolder(mars, train: 150, validate: 50, test: 50, seed: 6);
        string runs = Path.Combine(root, "runs"), report = Path.Combine(root, "suite.md");
        var obs = new Recorder();
        int trainedBeforeTable = -1;
        TorchSharp.torch.set_num_threads(1);
        var q = new SuiteStage.Request(["mars"], runs, report, Baselines: true, RangeInit.Matched, EpochCap: 1, LimitTrain: 100, LimitTest: 30,
            new Dictionary<string, string?> { ["mars"] = mars }, "test", obs, AblationDone: t => trainedBeforeTable = obs.Trainings.Count);
        var (result, stdout) = Quiet(() => SuiteStage.Run(q, CancellationToken.None));

        Assert.Equal("", stdout);
        var task = Assert.Single(result.Tasks);
        Assert.Equal(("mars", "mars-paper", "mae_cm"), (task.Task, task.Mamba, task.MetricName));
        Assert.Equal(Path.Combine(runs, "ablation", "mars-paper"), task.AblationDir);
        // exact and ReLU-Delta trained, two PWL swaps, the fine-tune, two extra swaps
        Assert.Equal(7, task.Rows.Count);
        Assert.StartsWith("exact Mamba", task.Rows[0].Label, StringComparison.Ordinal);
        Assert.Contains(task.Rows, r => r.Label == "all eMamba ops, fine-tuned");
        // The ablation is handed over before the baselines train: exact, range-relu and the fine-tune so far.
        Assert.Equal(3, trainedBeforeTable);
        Assert.Equal(7, obs.Trainings.Count);
        Assert.Equal(SuiteStage.Tasks["mars"].Baselines, task.Baselines.Select(b => b.Preset));
        foreach (var b in task.Baselines)
        {
            Assert.Equal(Path.Combine(runs, "baselines", b.Preset), b.Dir);
            Assert.True(File.Exists(Path.Combine(b.Dir, RunFolder.LogFile)), b.Dir);
            Assert.Single(b.Log.Epochs);
        }
        Assert.Equal([task.AblationDir, .. task.Baselines.Select(b => b.Dir)], result.RunDirs);
        Assert.Equal(report, result.ReportPath);
        Assert.Equal([Path.GetFullPath(report), Path.ChangeExtension(Path.GetFullPath(report), ".json"), Path.Combine(root, "suite-mars-params.png")], result.Files);
        foreach (var f in result.Files) Assert.True(File.Exists(f), f);
        Assert.Contains("eMamba (fine-tuned) (`ablation/mars-paper/finetune`)", File.ReadAllText(report));
        Assert.True(result.WallTime > TimeSpan.Zero);

        Assert.Equal(ExitCodes.Usage, Assert.Throws<EMambaException>(() => SuiteStage.Run(q with { Tasks = ["imagenet"] }, CancellationToken.None)).ExitCode);
    }

    [Fact]
    public void The_demo_runs_both_stages_and_reports_as_a_library_call_then_reuses_them()
    {
        string data = TinyData.FashionMnist(Path.Combine(root, "data"), train: 200, test: 60);
        string mars = Path.Combine(root, "mars");
        MarsSynthetic.WriteFolder(mars, train: 150, validate: 50, test: 50, seed: 6);
        var cfg = RunConfig.Parse(TinyData.TinyConfig, "tiny");
        cfg = cfg with { Train = cfg.Train with { Epochs = 1 } };
        string dir = Path.Combine(root, "demo"), noWiki = Path.Combine(root, "no-wikitext");
        var obs = new Recorder();
        IReadOnlyList<AblationStage.Row>? table = null;
        int trainedBeforeTable = -1;
        TorchSharp.torch.set_num_threads(1);
        var q = new DemoStage.Request(cfg, "tiny.json", dir, data, LimitTrain: 150, LimitTest: null, EpochCap: 1, mars, noWiki, Fresh: false, "test", obs,
            AblationDone: rows => (table, trainedBeforeTable) = (rows, obs.Trainings.Count));
        var (result, stdout) = Quiet(() => DemoStage.Run(q, CancellationToken.None));

        Assert.Equal("", stdout);
        // Stage 1: exact, + range norm, + ReLU Delta, two PWL swaps, the fine-tune, two extra swaps; handed over before stage 2.
        Assert.Equal(8, result.Rows.Count);
        Assert.Same(result.Rows, table);
        Assert.Equal(4, trainedBeforeTable);
        Assert.Equal("accuracy", result.MetricName);
        Assert.Same(result.Rows[0], result.Exact);
        Assert.Equal("all eMamba ops, fine-tuned", result.FineTuned.Label);
        // Stage 2: the CNN, ViT and MARS trained for the capped epoch; the language model skipped (no WikiText-2 here).
        Assert.Equal(DemoStage.Tasks.Select(t => (Path.Combine(dir, t.Dir), t.Preset)), result.Stage2.Select(r => (r.Dir, r.Preset)));
        Assert.All(result.Stage2, r => Assert.Equal(1, r.Epochs));
        Assert.All(result.Stage2.Take(3), r => Assert.Single(r.Log!.Epochs));
        Assert.Null(result.Stage2[3].Log);
        Assert.Equal(["accuracy", "accuracy", "accuracy", "accuracy", "accuracy", "accuracy", "mae_cm"], obs.Trainings);
        Assert.Equal(2, result.Notes.Count);
        Assert.Contains("compares nothing on an equal budget", result.Notes[0], StringComparison.Ordinal);
        Assert.Equal($"WikiText-2: {noWiki} is absent, so the language-model stage was skipped.", result.Notes[1]);
        Assert.False(Directory.Exists(Path.Combine(dir, "mars-synthetic")));   // the MARS folder given was used

        string report = Path.Combine(dir, "report.md");
        Assert.Equal((Path.Combine(dir, "ablation.md"), report), (result.AblationReport, result.Report));
        Assert.Equal([Path.Combine(dir, "ablation.md"), Path.Combine(dir, "ablation.json"), Path.GetFullPath(report), Path.GetFullPath(Path.Combine(dir, "report.json")),
            Path.GetFullPath(Path.Combine(dir, "report-fmnist-params.png")), Path.GetFullPath(Path.Combine(dir, "report-mars-params.png"))], result.Files);
        foreach (var f in result.Files) Assert.True(File.Exists(f), f);
        string md = File.ReadAllText(report);
        Assert.Contains("## eMamba operators (stage 1)", md);
        foreach (var n in result.Notes) Assert.Contains(n, md);
        foreach (var run in new[] { "fmnist-cnn-s", "fmnist-vit-s", "mars" }) Assert.Contains($"`{run}`", md);
        Assert.True(result.WallTime >= result.Stage1Time && result.Stage1Time > TimeSpan.Zero);

        // A second run reuses every finished run folder: nothing trains, the figures stay.
        var again = new Recorder();
        var (second, _) = Quiet(() => DemoStage.Run(q with { Observer = again, AblationDone = null }, CancellationToken.None));
        Assert.Empty(again.Trainings);
        Assert.Equal(result.Rows.Select(r => r.Test), second.Rows.Select(r => r.Test));
    }
}
