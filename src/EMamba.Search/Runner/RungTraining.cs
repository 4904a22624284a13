using EMamba.Core;
using EMamba.Data;
using EMamba.Training.Checkpoints;
using EMamba.Training.Train;

namespace EMamba.Search.Runner;

/// <summary>What the worker says after each epoch's validation metric.</summary>
public enum EpochVerdict
{
    Continue,
    /// <summary>ASHA stopped it at a rung.</summary>
    Prune,
    /// <summary>The storage no longer lets this worker own the trial (failed as stale, or diverged).</summary>
    Lost,
}

/// <param name="Epochs">epochs trained when it ended</param>
/// <param name="Metric">the validation metric of the last epoch (the rung's, when pruned)</param>
public sealed record TrainingOutcome(EpochVerdict End, int Epochs, double Metric);

/// <summary>Trains a candidate in its trial folder for the run's epochs (the budget's max_epochs, so the learning
/// rate schedule spans the full run), asking after every epoch whether to go on. The folder is an ordinary run
/// folder: a trial whose worker died resumes from its last epoch's checkpoint, and the epochs already trained are
/// asked about again first (their reports and rung decisions are repeated for the retried trial).</summary>
public static class RungTraining
{
    public static TrainingOutcome Run(RunConfig cfg, IDataset train, IDataset val, string dir, Func<int, double, EpochVerdict> afterEpoch,
        ITrainObserver? observer, CancellationToken ct)
    {
        var folder = new RunFolder(dir);
        bool resume = folder.CanResume;
        int done = 0;
        double metric = double.NaN;
        if (resume)
        {
            // The log inside last.safetensors is the one written with it (log.json may lag by an epoch after a kill).
            var ck = Checkpoint.Load(folder.Last);
            var log = TrainLog.FromJson(ck.Metadata["log"], folder.Last);
            foreach (var e in log.Epochs)
            {
                (done, metric) = (e.Epoch, e.ValMetric);
                if (afterEpoch(e.Epoch, e.ValMetric) is var v and not EpochVerdict.Continue) return new(v, done, metric);
            }
            if (done >= cfg.Train.Epochs) return new(EpochVerdict.Continue, done, metric);
        }
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var verdict = EpochVerdict.Continue;
        var asked = new Asking(observer ?? SilentObserver.Instance, (epoch, m) =>
        {
            (done, metric) = (epoch, m);
            verdict = afterEpoch(epoch, m);
            if (verdict != EpochVerdict.Continue) stop.Cancel();
        });
        try { new Trainer(cfg, train, val, dir, asked).Run(resume, stop.Token); }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested && verdict != EpochVerdict.Continue) { }
        return new(verdict, done, metric);
    }

    /// <summary>Passes the trainer's events on and asks after each epoch (its checkpoint is written by then).</summary>
    private sealed class Asking(ITrainObserver inner, Action<int, double> epochDone) : ITrainObserver
    {
        public void Message(string text) => inner.Message(text);
        public void EpochStarted(int epoch, int epochs, int batches) => inner.EpochStarted(epoch, epochs, batches);
        public void BatchDone(int batch, double loss) => inner.BatchDone(batch, loss);
        public void EpochDone(EpochRecord record, bool isBest)
        {
            inner.EpochDone(record, isBest);
            epochDone(record.Epoch, record.ValMetric);
        }
    }
}
