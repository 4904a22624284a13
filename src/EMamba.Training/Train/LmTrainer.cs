using System.Diagnostics;
using EMamba.Core;
using EMamba.Data;
using EMamba.Training.Modules;
using TorchSharp;
using static TorchSharp.torch;
using EMamba.Training.Checkpoints;
using EMamba.Training.Eval;
using EMamba.Training.Scan;

namespace EMamba.Training.Train;

/// <summary>Trains a language model with truncated back-propagation through time: the training
/// stream is cut into batch_size parallel streams, read seq_len tokens at a time; a Mamba LM
/// carries its state (detached) from one segment to the next, so it learns from context longer
/// than a segment. Validation perplexity is measured the same way over the validation stream.
/// Checkpoints, resume and selection as in <see cref="Trainer"/>.</summary>
public sealed class LmTrainer
{
    /// <summary>Parallel streams the validation stream is cut into.</summary>
    public const int ValStreams = 8;

    private readonly RunConfig cfg;
    private readonly LmCorpus corpus;
    private readonly string outDir;
    private readonly ITrainObserver obs;

    public LmTrainer(RunConfig cfg, LmCorpus corpus, string outDir, ITrainObserver? observer = null)
    {
        if (cfg.Model.Head != Head.Lm) throw new ArgumentException("LmTrainer trains head 'lm' models");
        if (cfg.Model.Vocab != corpus.Vocab.Count)
            throw new EMambaException($"model.vocab {cfg.Model.Vocab} differs from the data's vocabulary of {corpus.Vocab.Count} words", ExitCodes.BadConfig);
        this.cfg = cfg; this.corpus = corpus; this.outDir = outDir;
        obs = observer ?? SilentObserver.Instance;
    }

    public TrainLog Run(bool resume, CancellationToken ct = default)
    {
        var t = cfg.Train;
        var streams = TokenBatches.Batchify(corpus.Train, t.BatchSize);      // (S, len)
        int len = streams.GetLength(1), L = t.SeqLen;
        if (len < L + 2)
            throw new EMambaException($"{corpus.Train.Length:N0} training tokens in {t.BatchSize} streams are too few for segments of {L}", ExitCodes.BadConfig);
        int segments = (len - 1) / L;
        var run = RunState.Open(cfg, outDir, resume, obs, segments, corpus.Train.Length);
        var model = run.Model;
        var schedule = run.Schedule;
        var meta = new Dictionary<string, string> { ["vocab"] = corpus.Vocab.ToText() };
        var objective = TaskObjective.For(cfg.Model);
        var log = run.Log(() => new TrainLog
        {
            Config = cfg, MetricName = objective.MetricName, HigherIsBetter = objective.HigherIsBetter,
            Parameters = ModelLoader.ParameterCount(model), TrainSamples = corpus.Train.Length, ValSamples = corpus.Val.Length,
        });

        for (int epoch = log.Epochs.Count; epoch < t.Epochs; epoch++)
        {
            ct.ThrowIfCancellationRequested();
            // Segment boundaries move each epoch (seeded), so no token is always first in its segment.
            int offset = new Random(SeedMix.Of(t.Seed, epoch, 0x1a)).Next(L);
            int n = (len - 1 - offset) / L;
            obs.EpochStarted(epoch + 1, t.Epochs, n);
            var sw = Stopwatch.StartNew();
            model.train();
            var tally = objective.NewTally();
            double lr = 0;
            using var state = new StreamState();
            for (int k = 0; k < n; k++)
            {
                ct.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                int t0 = offset + k * L;
                var x = LmEval.Slice(streams, 0, t.BatchSize, t0, L);           // (S, L)
                var y = LmEval.Slice(streams, 0, t.BatchSize, t0 + 1, L);       // (S, L)
                Tensor logits;                                                 // (S, L, V)
                if (model is MambaLM lm)
                {
                    logits = lm.Forward(x, state.Current, out var next);
                    state.Advance(next);
                }
                else logits = model.forward(x);
                (double l, lr) = run.Update(objective.Loss(logits, y), schedule, $"epoch {epoch + 1}, segment {k + 1}");
                tally.Add(logits, y, l);
                obs.BatchDone(k + 1, l);
            }
            double trainSec = sw.Elapsed.TotalSeconds;
            var (vNll, vCount) = LmEval.ScoreSplit(model, corpus.Val, L, ValStreams);
            var rec = new EpochRecord(epoch + 1, run.Opt.Step, lr, tally.MeanLoss, tally.Metric,
                vNll / vCount, Math.Exp(vNll / vCount), sw.Elapsed.TotalSeconds, tally.Samples / trainSec);
            bool best = run.EndEpoch(log, rec, Normalizer.None, objective.Better, meta);
            obs.EpochDone(rec, best);
        }
        return log;
    }
}
