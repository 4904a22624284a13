using System.Diagnostics;
using EMamba.Core;
using EMamba.Data;
using EMamba.Training.Optim;
using TorchSharp;
using static TorchSharp.torch;
using EMamba.Training.Batching;
using EMamba.Training.Checkpoints;
using EMamba.Training.Eval;
using EMamba.Training.Scan;

namespace EMamba.Training.Train;

/// <summary>Trains a vision or radar model (any arch, classification or regression): AdamW, warm-up +
/// cosine schedule, gradient clipping, a checkpoint every epoch (last.safetensors, resumable),
/// best-on-validation selection (best.safetensors).</summary>
public sealed class Trainer
{

    private readonly RunConfig cfg;
    private readonly IDataset train, val;
    private readonly string outDir;
    private readonly ITrainObserver obs;

    public Trainer(RunConfig cfg, IDataset train, IDataset val, string outDir, ITrainObserver? observer = null)
    {
        this.cfg = cfg; this.train = train; this.val = val; this.outDir = outDir;
        obs = observer ?? SilentObserver.Instance;
    }

    public TrainLog Run(bool resume, CancellationToken ct = default)
    {
        var t = cfg.Train;
        int batches = (train.Count + t.BatchSize - 1) / t.BatchSize;
        var run = RunState.Open(cfg, outDir, resume, obs, batches, train.Count);
        var model = run.Model;
        var objective = TaskObjective.For(cfg.Model);
        var schedule = run.Schedule;
        var norm = run.Resumed?.Normalizer ?? run.Init?.Normalizer ?? Normalizer.FromTraining(train);
        var log = run.Log(() => new TrainLog
        {
            Config = cfg, MetricName = objective.MetricName, HigherIsBetter = objective.HigherIsBetter,
            Parameters = ModelLoader.ParameterCount(model), TrainSamples = train.Count, ValSamples = val.Count,
        });

        var idx = Enumerable.Range(0, train.Count).ToArray();
        for (int epoch = log.Epochs.Count; epoch < t.Epochs; epoch++)
        {
            ct.ThrowIfCancellationRequested();
            // The shuffle depends only on (seed, epoch), so a resumed run sees the same batches.
            Array.Sort(idx);
            new Random(SeedMix.Of(t.Seed, epoch, 0x5eed)).Shuffle(idx);
            obs.EpochStarted(epoch + 1, t.Epochs, batches);
            var sw = Stopwatch.StartNew();
            model.train();
            var tally = objective.NewTally();
            double lr = 0;
            // Augmentation draws depend only on (seed, epoch), so a resumed run sees the same crops.
            var augment = t.Augment ? new Random(SeedMix.Of(t.Seed, epoch, 0xa06)) : null;
            for (int b = 0; b < batches; b++)
            {
                ct.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                int start = b * t.BatchSize, n = Math.Min(t.BatchSize, train.Count - start);
                var bi = idx.AsSpan(start, n);
                var x = Batches.Inputs(train, bi, norm, augment);   // (n, C, H, W)
                var y = Batches.Targets(train, bi);                  // (n) classes or (n, K) values
                var output = model.forward(x);                       // (n, K)
                (double l, lr) = run.Update(objective.Loss(output, y), schedule, $"epoch {epoch + 1}, batch {b + 1}");
                tally.Add(output, y, l);
                obs.BatchDone(b + 1, l);
            }
            double trainSec = sw.Elapsed.TotalSeconds;
            var v = Evaluator.Run(model, val, norm, objective);
            var rec = new EpochRecord(epoch + 1, run.Opt.Step, lr, tally.MeanLoss, tally.Metric,
                v.MeanLoss, v.Metric, sw.Elapsed.TotalSeconds, train.Count / trainSec);
            bool best = run.EndEpoch(log, rec, norm, objective.Better);
            obs.EpochDone(rec, best);
        }
        return log;
    }
}
