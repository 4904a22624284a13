using EMamba.Core;
using EMamba.Core.Integer;
using EMamba.Data;
using EMamba.Engine.Quantize;
using EMamba.Engine.Stages;

namespace EMamba.Engine.Tests;

/// <summary>The state-width x calibration sweep (docs/integer.md §20) on tiny generated models: one
/// row per combination in order, and each row's figure is what quantize + run give for that setting.</summary>
public sealed class SweepTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("emamba-sweep-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private sealed class Recorder : IStageObserver
    {
        public readonly List<string> Messages = [];
        public void Info(string text) { lock (Messages) Messages.Add(text); }
        public T Training<T>(string metric, Func<ITrainObserver, T> body) => throw new InvalidOperationException("a sweep trains nothing");
    }

    [Fact]
    public void A_radar_sweep_gives_each_combination_the_figure_quantize_and_run_give()
    {
        string mars = Path.Combine(dir, "mars"), fp = Path.Combine(dir, "mars.safetensors"), qp = Path.Combine(dir, "mars.q.safetensors");
        MarsSynthetic.WriteFolder(mars, train: 40, validate: 5, test: 30, seed: 3);
        RandomCheckpoint.Write(fp, ReferenceTests.Tiny, 4);
        var obs = new Recorder();
        var res = SweepStage.Run(new SweepStage.Request(fp, null, mars, [8, 16], [CalibMethod.Max, CalibMethod.Percentile], Calib: 8, LimitTest: 20, Threads: 2, obs));
        Assert.Equal("mae_cm", res.MetricName);
        Assert.Equal([(8, CalibMethod.Max), (8, CalibMethod.Percentile), (16, CalibMethod.Max), (16, CalibMethod.Percentile)],
            res.Rows.Select(r => (r.StateBits, r.Method)));
        Assert.All(res.Rows, r => Assert.True(double.IsFinite(r.Metric) && r.Metric > 0 && r.Figures.ContainsKey("rmse_cm")));
        Assert.Equal((8, 20), (res.CalibSamples, res.TestSamples));
        Assert.Contains(obs.Messages, m => m.StartsWith("state s16, percentile", StringComparison.Ordinal));

        // s16 is the default state width: the row equals quantize (same method and calibration) then run.
        QuantizeStage.Run(new QuantizeStage.Request(fp, null, mars, 8, CalibMethod.Percentile, null, qp, "test"));
        var run = RunStage.Run(new RunStage.Request(qp, "test", mars, 20, 2));
        Assert.Equal(run.Metric, res.Rows[3].Metric);
        Assert.Equal(run.FloatMetric, res.FloatMetric);
    }

    [Fact]
    public void A_language_model_sweep_scores_streaming_perplexity_at_each_length()
    {
        string data = Path.Combine(dir, "wikitext"), fp = Path.Combine(dir, "lm.safetensors"), qp = Path.Combine(dir, "lm.q.safetensors");
        var corpus = TinyLm.WriteFolder(data);
        RandomCheckpoint.Write(fp, TinyLm.Config(corpus.Vocab.Count, 8), 5);
        int[] lengths = [32, 128];
        var res = SweepStage.Run(new SweepStage.Request(fp, null, data, [8, 16], [CalibMethod.Mse], Calib: 3, LimitTest: 300, Threads: 2,
            LmTokens: 64, Lengths: lengths));
        Assert.Equal("ppl_128", res.MetricName);
        Assert.Equal([8, 16], res.Rows.Select(r => r.StateBits));
        Assert.Equal(["ppl_128", "ppl_32"], res.FloatFigures.Keys.Order(StringComparer.Ordinal));
        Assert.All(res.Rows, r => Assert.True(double.IsFinite(r.Metric) && r.Metric > 1));
        Assert.Equal(300, res.TestSamples);    // the head the lengths are cut from (remainders dropped, as the float protocol)

        QuantizeStage.Run(new QuantizeStage.Request(fp, null, data, 3, CalibMethod.Mse, null, qp, "test", LmTokens: 64));
        var run = LmRunStage.Run(new RunStage.Request(qp, "test", data, 300, 2), lengths);
        Assert.Equal(run.Figures["ppl_128"], res.Rows[1].Metric);
        Assert.Equal(run.FloatFigures!["ppl_32"], res.FloatFigures["ppl_32"]);
    }

    [Fact]
    public void Widths_outside_the_state_range_or_no_method_are_usage_errors()
    {
        string fp = Path.Combine(dir, "m.safetensors");
        RandomCheckpoint.Write(fp, ReferenceTests.Tiny, 1);
        var q = new SweepStage.Request(fp, null, Path.Combine(dir, "none"), [8, 30], [CalibMethod.Max], 4, 10, 1);
        Assert.Equal(ExitCodes.Usage, Assert.Throws<EMambaException>(() => SweepStage.Run(q)).ExitCode);
        Assert.Equal(ExitCodes.Usage, Assert.Throws<EMambaException>(() => SweepStage.Run(q with { StateBits = [16], Methods = [] })).ExitCode);
        Assert.Equal(ExitCodes.Usage, Assert.Throws<EMambaException>(() => SweepStage.Run(q with { StateBits = [16], LimitTest = 0 })).ExitCode);
    }
}
