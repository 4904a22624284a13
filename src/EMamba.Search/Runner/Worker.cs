using System.Globalization;
using EMamba.Core;
using EMamba.Data;
using EMamba.Search.Space;
using EMamba.Search.Storage;

namespace EMamba.Search.Runner;

/// <summary>One worker of a study: any number of them, in threads, processes or on several machines (PostgreSQL),
/// share a study through its storage. Its loop: fail trials whose worker died (no heartbeat for StaleAfter) and
/// retry each once; claim a waiting trial, or sample the next one (its parameters drawn for its number inside
/// the storage transaction that allocates it); train it through the ASHA rungs, reporting the validation metric
/// every epoch and pruning at a rung as <see cref="Asha.Decide"/> says; score it; finish it. It ends when the
/// study has its trials and none is waiting or running. A retried trial resumes its root trial's folder from the
/// last epoch's checkpoint, with the root's training seed.</summary>
public sealed class Worker(Study study, WorkerOptions options, IWorkerObserver? observer = null)
{
    private readonly IWorkerObserver obs = observer ?? SilentWorkerObserver.Instance;
    private IStudyStorage St => study.Storage;

    public void Run(CancellationToken ct)
    {
        // One load serves every trial: candidates change the model, not the data. The validation split is the one
        // `emamba run --split val` scores (the task's default hold-out), so trials are compared on the same samples.
        var (train, val) = TaskData.TrainVal(new RunConfig { Model = study.Space.Base.Model }, options.Data, null);
        obs.Info($"data: {train.Count:N0} train / {val.Count:N0} validation samples; worker {options.Worker}");
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            RetryDead();
            var t = St.ClaimWaiting(study.Name, options.Worker) ?? Next();
            if (t != null) { RunTrial(t, train, val, ct); continue; }
            if (!St.Trials(study.Name).Any(x => x.State is TrialState.Running or TrialState.Waiting)) return;
            // Others are running the last trials: wait, so that a dead one is failed and retried here.
            ct.WaitHandle.WaitOne(options.HeartbeatEvery);
        }
    }

    /// <summary>Fails the stale trials, then retries every failed trial whose worker died and that nobody
    /// retried yet (also those a worker failed but died before retrying).</summary>
    private void RetryDead()
    {
        foreach (var s in St.FailStale(study.Name, options.StaleAfter)) obs.Info($"trial {s.Number}: {s.Message}");
        var all = St.Trials(study.Name);
        var retried = all.Where(x => x.RetryOf != null).Select(x => x.RetryOf!.Value).ToHashSet();
        foreach (var f in all.Where(x => Study.Retryable(x) && !retried.Contains(x.Number)))
        {
            try { obs.Info($"trial {f.Number} retried as trial {St.Retry(study.Name, f.Number).Number}"); }
            catch (InvalidOperationException) { }   // another worker retried it first
        }
    }

    private Trial? Next()
    {
        var all = St.Trials(study.Name);
        var seen = study.Observations(all);
        int retries = all.Count(x => x.RetryOf != null);
        return St.CreateRunning(study.Name, n => n - retries >= options.Trials ? null
            : TrialParams.Parse(ParamJson.Write(study.Sampler.Sample(n, seen)).ToJsonString()), options.Worker);
    }

    private void RunTrial(Trial t, IDataset train, IDataset val, CancellationToken ct)
    {
        using var lost = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var heart = new Timer(_ => Beat(t.Number, lost), null, options.HeartbeatEvery, options.HeartbeatEvery);
        var applied = study.Space.Apply(new Candidate(Study.Values(t)));
        obs.TrialStarted(t, Summary(t));
        Trial? ended;
        try
        {
            if (applied.Config is not { } c) ended = St.Finish(study.Name, t.Number, TrialState.Failed, message: "not a valid model: " + string.Join("; ", applied.Problems));
            else ended = Train(t, c, train, val, lost.Token);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            St.Finish(study.Name, t.Number, TrialState.Failed, message: $"worker {options.Worker} stopped: interrupted");
            throw;
        }
        catch (OperationCanceledException) { ended = null; }   // lost: failed as stale meanwhile
        catch (Exception e) when (e is EMambaException or NotSupportedException or ArgumentException or InvalidOperationException or IOException)
        {
            // A diverged training, a model the quantizer or the hardware cannot take: the trial fails, the search goes on.
            ended = St.Finish(study.Name, t.Number, TrialState.Failed, message: e.Message);
        }
        obs.TrialEnded(t.Number, ended);
    }

    private void Beat(int number, CancellationTokenSource lost)
    {
        try { if (!St.Heartbeat(study.Name, number, options.Worker)) lost.Cancel(); }
        catch (Exception e) when (e is StudyStorageException or IOException or InvalidOperationException)
        {
            obs.Info($"trial {number}: heartbeat failed ({e.Message}); retrying at the next beat");
        }
    }

    private Trial? Train(Trial t, CandidateConfig c, IDataset train, IDataset val, CancellationToken ct)
    {
        var all = St.Trials(study.Name);
        int root = Study.Root(t, all), seed = study.TrainingSeed(root);
        string dir = study.TrialDir(root);
        var cfg = c.Run with { Train = c.Run.Train with { Seed = seed } };
        var asha = study.Space.Budget.Asha;
        string? pruned = null;
        EpochVerdict AfterEpoch(int epoch, double metric)
        {
            if (!St.Report(study.Name, t.Number, epoch, [metric])) return EpochVerdict.Lost;
            if (asha.RungAt(epoch) is not int rung) return EpochVerdict.Continue;
            // Every live or finished trial's value at this rung; a failed one's was repeated by its retry, if any.
            var atRung = St.Trials(study.Name).Where(x => x.State != TrialState.Failed && x.Reports.ContainsKey(epoch))
                .ToDictionary(x => x.Number, x => study.Metric.Minimised(x.Reports[epoch][0]));
            if (asha.Decide(t.Number, rung, study.Metric.Minimised(metric), atRung) == AshaDecision.Continue) return EpochVerdict.Continue;
            pruned = string.Create(CultureInfo.InvariantCulture, $"pruned at epoch {epoch} (rung {rung}): validation metric {metric:G5} not in the best 1/{asha.Eta} of {atRung.Count + (atRung.ContainsKey(t.Number) ? 0 : 1)}");
            return EpochVerdict.Prune;
        }
        var outcome = RungTraining.Run(cfg, train, val, dir, AfterEpoch, obs.Training, ct);
        switch (outcome.End)
        {
            case EpochVerdict.Lost:
                return St.Trial(study.Name, t.Number);
            case EpochVerdict.Prune:
                var p = CandidateScoring.Pruned(c, dir, options.Data, outcome.Metric, options.Accelerator, study.Space.MeasuresArea, ct);
                return St.Finish(study.Name, t.Number, TrialState.Pruned, p.Values(study.Space.Objectives), pruned);
            default:
                var m = CandidateScoring.Complete(c, dir, options.Data, train, val, seed, options.Threads, options.Accelerator, study.Space.MeasuresArea, obs.Training, ct);
                return St.Finish(study.Name, t.Number, TrialState.Complete, m.Values(study.Space.Objectives));
        }
    }

    private static string Summary(Trial t) => string.Join(", ", t.Params.Select(p => $"{p.Key}={p.Value.GetRawText().Trim('"')}"));
}
