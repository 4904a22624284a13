using EMamba.Core;
using static TorchSharp.torch;
using EMamba.Training.Scan;
using EMamba.Training.Train;

namespace EMamba.Training.Tests;

/// <summary>The figures the trainer and evaluator report, against values worked out by hand.</summary>
[Collection("torch")]
public sealed class TaskObjectiveTests
{
    private static TaskObjective For(Head head) => TaskObjective.For(new ModelConfig { Head = head });

    private static double LogSumExp(double[] row) => Math.Log(row.Sum(Math.Exp));

    [Fact]
    public void ClassificationCountsArgmaxHitsAndWeighsBatchLossesBySize()
    {
        var obj = For(Head.Classify);
        double[][] logits = [[2, 1, 0], [0, 3, 1], [1, 0, 0.5], [0, 0, 5], [4, 1, 1]];
        long[] labels = [0, 2, 0, 1, 0];                         // argmax 0, 1, 0, 2, 0: hits 1, 3 and 5
        var tally = obj.NewTally();
        foreach (var (from, n) in new[] { (0, 3), (3, 2) })      // batches of 3 and 2
        {
            var o = tensor(logits[from..(from + n)].SelectMany(r => r).Select(v => (float)v).ToArray(), [n, 3]);
            var t = tensor(labels[from..(from + n)], [n]);
            tally.Add(o, t, obj.Loss(o, t).item<float>());
        }
        Assert.Equal(60.0, tally.Metric, 12);
        double ce = logits.Select((r, i) => LogSumExp(r) - r[labels[i]]).Average();
        Assert.Equal(ce, tally.MeanLoss, 5);
        Assert.Equal(5, tally.Samples);
        Assert.Equal(60.0, tally.All()["accuracy"], 12);
    }

    [Fact]
    public void LanguageModelPerplexityIsExpOfTheTokenMeanLoss()
    {
        var obj = For(Head.Lm);
        var tally = obj.NewTally();
        // Uniform logits over 4 words: every token costs ln 4, so perplexity is 4 whatever the targets.
        var o = zeros(2, 3, 4);
        var t = tensor(new long[] { 0, 1, 2, 3, 0, 1 }, [2, 3]);
        tally.Add(o, t, obj.Loss(o, t).item<float>());
        Assert.Equal(6, tally.Samples);                           // tokens, not sequences
        Assert.Equal(4.0, tally.Metric, 5);
        // A second batch that is certain and right (loss ~0) over 2 tokens: exp(6 ln 4 / 8).
        var sure = tensor(new float[] { 0, 30, 0, 0, 0, 0, 30, 0 }, [1, 2, 4]);
        var st = tensor(new long[] { 1, 2 }, [1, 2]);
        tally.Add(sure, st, obj.Loss(sure, st).item<float>());
        Assert.Equal(Math.Exp(6 * Math.Log(4) / 8), tally.Metric, 5);
    }

    [Fact]
    public void MarsRegressionReportsCentimetresPerAxis()
    {
        var obj = For(Head.Regress);
        var tally = obj.NewTally();
        // 2 frames x 57 coordinates, axis-major (19 x, 19 y, 19 z), metres. Errors: x 1 cm and 3 cm,
        // y 2 cm both frames, z -4 cm and 0: MAE x 2, y 2, z 2; RMSE x sqrt(5), y 2, z sqrt(8).
        var pred = new float[114];
        var target = new float[114];
        for (int f = 0; f < 2; f++)
            for (int j = 0; j < 19; j++)
            {
                pred[f * 57 + j] = f == 0 ? 0.01f : 0.03f;
                pred[f * 57 + 19 + j] = 0.02f;
                pred[f * 57 + 38 + j] = f == 0 ? -0.04f : 0f;
            }
        var o = tensor(pred, [2, 57]);
        var t = tensor(target, [2, 57]);
        tally.Add(o, t, obj.Loss(o, t).item<float>());
        var all = tally.All();
        Assert.Equal(2.0, all["mae_cm"], 4);
        Assert.Equal(2.0, all["mae_x_cm"], 4);
        Assert.Equal(2.0, all["mae_z_cm"], 4);
        Assert.Equal(Math.Sqrt(5), all["rmse_x_cm"], 4);
        Assert.Equal(Math.Sqrt(8), all["rmse_z_cm"], 4);
        Assert.Equal((Math.Sqrt(5) + 2 + Math.Sqrt(8)) / 3, all["rmse_cm"], 4);
        Assert.Equal(2.0, tally.Metric, 4);
    }
}
