using EMamba.Core;
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
}
