namespace EMamba.Search.Storage;

/// <summary>Where studies live. The study is thin: every trial's state is here, so any number of storage
/// instances, threads and processes (on several machines for PostgreSQL) can work on one study, and a study
/// survives the crash of any of them. The contract (docs/studies.md), which both backends pass the same
/// tests for:
/// <list type="bullet">
/// <item>Thread safety: every method may be called from any thread. Each call is one transaction: it happens
/// entirely or not at all, and is durable when it returns.</item>
/// <item>Ownership: a Running trial belongs to the worker that claimed or created it. No two workers ever get
/// the same trial from <see cref="ClaimWaiting"/>. The owner keeps it alive with <see cref="Heartbeat"/>;
/// once anyone fails it with <see cref="FailStale"/>, the owner's Heartbeat, Report and Finish return
/// false / null and change nothing, so a worker thought dead cannot overwrite the verdict.</item>
/// <item>Numbers: a study's trial numbers are 0, 1, 2, ... with no gaps and no repeats, whoever creates them.</item>
/// <item>Finite values only: a NaN or infinite objective, or a NaN in an intermediate report (a diverged run),
/// makes the trial Failed with a message saying which value; no stored value is ever non-finite.</item>
/// <item>Final states: Complete, Pruned and Failed never change. A Failed trial may be repeated once with
/// <see cref="Retry"/>, as a new Waiting trial.</item>
/// </list>
/// Misuse (an unknown study or trial, a wrong number of objective values) throws ArgumentException or
/// KeyNotFoundException; a storage that cannot serve at all throws <see cref="StudyStorageException"/>.</summary>
public interface IStudyStorage : IDisposable
{
    /// <summary>The file or URL, without any password: for messages and logs.</summary>
    string Location { get; }

    /// <summary>Creates the study, or loads it when one with this name exists. Loading with other objectives
    /// (names, directions or order), another search space (compared as JSON) or another seed is a
    /// <see cref="StudyStorageException"/>: resuming must not silently mix two searches. Returns the stored
    /// definition, whose Created is when it was first created.</summary>
    StudyInfo CreateOrLoadStudy(StudyInfo definition);

    /// <summary>The stored definition, or null when there is no such study (what a report or a resume reads).</summary>
    StudyInfo? LoadStudy(string name);

    IReadOnlyList<StudyInfo> Studies();

    /// <summary>Adds a Waiting trial (e.g. a sampler's next candidates, or a hand-chosen baseline).</summary>
    Trial Enqueue(string study, TrialParams parameters);

    /// <summary>Atomically takes the oldest (lowest-numbered) Waiting trial and makes it Running for
    /// <paramref name="worker"/>, with Started and Heartbeat now; null when none waits.</summary>
    Trial? ClaimWaiting(string study, string worker);

    /// <summary>Adds a trial that is Running for <paramref name="worker"/> from the start (a sampler that
    /// decides the parameters when the worker asks).</summary>
    Trial CreateRunning(string study, TrialParams parameters, string worker);

    /// <summary>Adds a Running trial whose parameters depend on its number (a sampler seeded by the trial
    /// number): <paramref name="parametersFor"/> is called with the number inside the transaction that
    /// allocates it, so two workers never draw for the same number. Null from it adds nothing and returns
    /// null (e.g. the budget is spent). It must not call this storage.</summary>
    Trial? CreateRunning(string study, Func<int, TrialParams?> parametersFor, string worker);

    /// <summary>Says the worker is alive. False, changing nothing, when the trial is not Running for this
    /// worker any more (it was failed as stale, or finished): the worker should drop it.</summary>
    bool Heartbeat(string study, int trial, string worker);

    /// <summary>Records intermediate values at <paramref name="step"/> (a repeated step replaces the earlier
    /// values) and counts as a heartbeat. A non-finite value fails the trial ("diverged at step ...") and
    /// returns false; false too when the trial is no longer Running.</summary>
    bool Report(string study, int trial, int step, IReadOnlyList<double> values);

    /// <summary>Ends a Running trial as Complete, Pruned or Failed. Complete needs one value per objective;
    /// Pruned may give them; Failed stores none. A non-finite value turns Complete or Pruned into Failed with a
    /// message naming the objective. Returns the stored trial, or null when the trial is no longer Running
    /// (failed as stale meanwhile; it stays as it is).</summary>
    Trial? Finish(string study, int trial, TrialState state, IReadOnlyList<double>? values = null, string? message = null);

    /// <summary>Fails every Running trial of the study whose last heartbeat is older than
    /// <paramref name="age"/> ("worker W died: no heartbeat since T") and returns them; each stale trial is
    /// returned to exactly one caller, which may <see cref="Retry"/> it.</summary>
    IReadOnlyList<Trial> FailStale(string study, TimeSpan age);

    /// <summary>Enqueues a copy of a Failed trial's parameters with RetryOf set. A trial that is not Failed,
    /// or was already retried, is an InvalidOperationException, so two callers never both repeat it.</summary>
    Trial Retry(string study, int failedTrial);

    /// <summary>Every trial of the study, by number.</summary>
    IReadOnlyList<Trial> Trials(string study);

    Trial? Trial(string study, int number);
}
