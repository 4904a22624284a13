using EMamba.Search.Storage;

namespace EMamba.Search.Tests.Storage;

/// <summary>The <see cref="IStudyStorage"/> contract (docs/studies.md), one test per promise, run against every
/// backend by the subclasses. "Two workers" are two threads, each with its own storage instance on one store,
/// which is what two processes see too.</summary>
public abstract class StudyStorageContract : IDisposable
{
    private readonly List<IStudyStorage> _opened = [];

    /// <summary>A new instance on this test's store (the same store each call).</summary>
    protected abstract IStudyStorage OpenStore();

    protected IStudyStorage Open()
    {
        var s = OpenStore();
        lock (_opened) _opened.Add(s);
        return s;
    }

    public virtual void Dispose()
    {
        foreach (var s in _opened) s.Dispose();
        GC.SuppressFinalize(this);
    }

    private const string Space = """{"d": [8, 16, 32], "knots": ["uniform", "fitted"]}""";

    private static readonly Objective[] AccuracyAndCycles =
        [new("accuracy", ObjectiveDirection.Maximize), new("cycles", ObjectiveDirection.Minimize)];

    private static StudyInfo Definition(string name = "s") => StudyInfo.Define(name, AccuracyAndCycles, Space, seed: 7);

    /// <summary>Runs the body on <paramref name="n"/> threads of their own at once; a failure in any fails the test.</summary>
    private static void Workers(int n, Action<int> body)
    {
        using var go = new Barrier(n);
        Task.WaitAll([.. Enumerable.Range(0, n).Select(w => Task.Factory.StartNew(() => { go.SignalAndWait(); body(w); }, TaskCreationOptions.LongRunning))]);
    }

    private static TrialParams P(int i) => TrialParams.Empty.With("d", 8 * i).With("knots", i % 2 == 0 ? "uniform" : "fitted");

    [StorageFact]
    public void ACreatedStudyLoadsAsStoredAndADifferentDefinitionIsRefused()
    {
        using var a = OpenStore();
        var created = a.CreateOrLoadStudy(Definition());
        Assert.NotEqual(default, created.Created);
        using var b = OpenStore();
        var loaded = b.CreateOrLoadStudy(StudyInfo.Define("s", AccuracyAndCycles, """{ "knots": ["uniform","fitted"], "d": [8,16,32] }""", 7));
        Assert.Equal(created.Objectives, loaded.Objectives);
        Assert.Equal(created.Created, loaded.Created);
        Assert.Equal(Space, b.LoadStudy("s")!.Space);
        Assert.Null(b.LoadStudy("other"));

        var e = Assert.Throws<StudyStorageException>(() => b.CreateOrLoadStudy(StudyInfo.Define("s", [AccuracyAndCycles[1], AccuracyAndCycles[0]], Space, 7)));
        Assert.Contains("objectives are [accuracy (Maximize), cycles (Minimize)]", e.Message);
        Assert.Contains(b.Location, e.Message);
        Assert.Contains("search space", Assert.Throws<StudyStorageException>(() => b.CreateOrLoadStudy(StudyInfo.Define("s", AccuracyAndCycles, """{"d": [8]}""", 7))).Message);
        Assert.Contains("seed", Assert.Throws<StudyStorageException>(() => b.CreateOrLoadStudy(StudyInfo.Define("s", AccuracyAndCycles, Space, 8))).Message);
        b.CreateOrLoadStudy(Definition("t"));
        Assert.Equal(["s", "t"], b.Studies().Select(s => s.Name));
    }

    [StorageFact]
    public void InstancesOpeningAFreshStoreAtOnceShareOneSchemaAndOneStudy()
    {
        var created = new DateTime[4];
        Workers(4, w =>
        {
            using var st = OpenStore();
            created[w] = st.CreateOrLoadStudy(Definition()).Created;
            st.Enqueue("s", P(w));
        });
        Assert.Single(created.Distinct());
        Assert.Equal([0, 1, 2, 3], Open().Trials("s").Select(t => t.Number));
    }

    [StorageFact]
    public void ClaimsTakeTheOldestWaitingTrialThenNothing()
    {
        var st = Open();
        st.CreateOrLoadStudy(Definition());
        for (int i = 0; i < 3; i++) Assert.Equal(TrialState.Waiting, st.Enqueue("s", P(i)).State);
        var first = st.ClaimWaiting("s", "w1")!;
        Assert.Equal((0, TrialState.Running, "w1"), (first.Number, first.State, first.Worker));
        Assert.NotNull(first.Started);
        Assert.NotNull(first.Heartbeat);
        Assert.Equal(P(0), first.Params);
        Assert.Equal(1, st.ClaimWaiting("s", "w2")!.Number);
        Assert.Equal(2, st.ClaimWaiting("s", "w1")!.Number);
        Assert.Null(st.ClaimWaiting("s", "w1"));
    }

    [StorageFact]
    public void TwoWorkersClaim200TrialsEachExactlyOnce()
    {
        var setup = Open();
        setup.CreateOrLoadStudy(Definition());
        for (int i = 0; i < 200; i++) setup.Enqueue("s", P(i));
        var claimed = new List<int>[2];
        Workers(2, w =>
        {
            var mine = claimed[w] = [];
            var st = Open();
            while (st.ClaimWaiting("s", $"w{w}") is { } t)
            {
                mine.Add(t.Number);
                Assert.True(st.Finish("s", t.Number, TrialState.Complete, [t.Number, w]) is { State: TrialState.Complete });
            }
        });

        Assert.Equal(Enumerable.Range(0, 200), claimed[0].Concat(claimed[1]).Order());
        var trials = setup.Trials("s");
        Assert.All(trials, t => Assert.Equal(TrialState.Complete, t.State));
        for (int w = 0; w < 2; w++)
            foreach (int n in claimed[w]) Assert.Equal($"w{w}", trials[n].Worker);
    }

    [StorageFact]
    public void TrialsCreatedRunningByTwoWorkersGetDenseUniqueNumbers()
    {
        Open().CreateOrLoadStudy(Definition());
        var numbers = new List<int>[2];
        Workers(2, w =>
        {
            var mine = numbers[w] = [];
            var st = Open();
            for (int i = 0; i < 60; i++) mine.Add(st.CreateRunning("s", P(i), $"w{w}").Number);
        });
        Assert.Equal(Enumerable.Range(0, 120), numbers[0].Concat(numbers[1]).Order());
        Assert.All(numbers, ns => Assert.Equal(ns.Order(), ns));   // each worker's own are increasing
    }

    [StorageFact]
    public void ParametersDrawnForTheirNumberMatchItUnderTwoWorkersAndStopAtTheBudget()
    {
        Open().CreateOrLoadStudy(Definition());
        Workers(2, w =>
        {
            var st = Open();
            while (st.CreateRunning("s", n => n >= 40 ? null : P(n), $"w{w}") is { } t) Assert.Equal(P(t.Number), t.Params);
        });
        var all = Open().Trials("s");
        Assert.Equal(Enumerable.Range(0, 40), all.Select(t => t.Number));
        Assert.All(all, t => Assert.Equal(P(t.Number), t.Params));
    }

    [StorageFact]
    public void AStaleTrialFailsOnceAndItsWorkerIsToldSo()
    {
        var a = Open();
        a.CreateOrLoadStudy(Definition());
        var old = a.CreateRunning("s", P(1), "w-old");
        Thread.Sleep(1500);   // margins wide enough for a loaded machine
        var fresh = a.CreateRunning("s", P(2), "w-fresh");
        Assert.True(a.Heartbeat("s", fresh.Number, "w-fresh"));
        Assert.False(a.Heartbeat("s", fresh.Number, "w-old"));   // not its trial

        var b = Open();
        var failed = Assert.Single(b.FailStale("s", TimeSpan.FromSeconds(1)));
        Assert.Equal((old.Number, TrialState.Failed), (failed.Number, failed.State));
        Assert.StartsWith("worker w-old died: no heartbeat since ", failed.Message);
        Assert.NotNull(failed.Finished);
        Assert.Empty(b.FailStale("s", TimeSpan.FromSeconds(1)));   // each stale trial is returned once

        Assert.False(a.Heartbeat("s", old.Number, "w-old"));
        Assert.False(a.Report("s", old.Number, 1, [0.5]));
        Assert.Null(a.Finish("s", old.Number, TrialState.Complete, [0.9, 100]));
        var after = a.Trial("s", old.Number)!;
        Assert.Equal((TrialState.Failed, failed.Message), (after.State, after.Message));
        Assert.Null(after.Values);
        Assert.Empty(after.Reports);
        Assert.Equal(TrialState.Running, a.Trial("s", fresh.Number)!.State);
    }

    [StorageFact]
    public void ANonFiniteObjectiveOrReportFailsTheTrialAndStoresNoNaN()
    {
        var st = Open();
        st.CreateOrLoadStudy(Definition());
        int nan = st.CreateRunning("s", P(0), "w").Number;
        var t = st.Finish("s", nan, TrialState.Complete, [double.NaN, 10])!;
        Assert.Equal(TrialState.Failed, t.State);
        Assert.Null(t.Values);
        Assert.Equal("objective 'accuracy' is NaN", t.Message);

        int inf = st.CreateRunning("s", P(1), "w").Number;
        Assert.Equal("objective 'cycles' is +Inf (Pruned: epoch 2)",
            st.Finish("s", inf, TrialState.Pruned, [0.5, double.PositiveInfinity], "epoch 2")!.Message);

        int diverged = st.CreateRunning("s", P(2), "w").Number;
        Assert.True(st.Report("s", diverged, 0, [1.5, 0.3]));
        Assert.False(st.Report("s", diverged, 1, [double.NaN, 0.2]));
        var d = st.Trial("s", diverged)!;
        Assert.Equal((TrialState.Failed, "diverged at step 1: value 0 is NaN"), (d.State, d.Message));
        Assert.Equal([0], d.Reports.Keys);
        Assert.All(st.Trials("s"), x => Assert.True(x.Values is null || x.Values.All(double.IsFinite)));
    }

    [StorageFact]
    public void FinishedTrialsKeepTheirValuesReportsAndState()
    {
        var st = Open();
        st.CreateOrLoadStudy(Definition());
        var t = st.CreateRunning("s", P(3), "w");
        Assert.True(st.Report("s", t.Number, 2, [0.25]));
        Assert.True(st.Report("s", t.Number, 1, [0.5, 1e-300]));
        Assert.True(st.Report("s", t.Number, 2, [0.125]));   // a repeated step replaces
        var done = st.Finish("s", t.Number, TrialState.Complete, [0.1 + 0.2, 1234.5])!;
        Assert.Equal([0.1 + 0.2, 1234.5], done.Values!);
        Assert.Equal([1, 2], done.Reports.Keys);
        Assert.Equal([0.5, 1e-300], done.Reports[1]);
        Assert.Equal([0.125], done.Reports[2]);
        Assert.NotNull(done.Finished);
        Assert.Null(st.Finish("s", t.Number, TrialState.Failed));   // final: nothing changes it
        Assert.Equal(TrialState.Complete, st.Trial("s", t.Number)!.State);

        var pruned = st.Finish("s", st.CreateRunning("s", P(4), "w").Number, TrialState.Pruned, message: "halved at epoch 1")!;
        Assert.Equal((TrialState.Pruned, "halved at epoch 1"), (pruned.State, pruned.Message));
        Assert.Null(pruned.Values);
    }

    [StorageFact]
    public void MisuseIsAClearError()
    {
        var st = Open();
        st.CreateOrLoadStudy(Definition());
        int n = st.CreateRunning("s", P(0), "w").Number;
        Assert.Contains("2 objectives", Assert.Throws<ArgumentException>(() => st.Finish("s", n, TrialState.Complete, [1.0])).Message);
        Assert.Throws<ArgumentException>(() => st.Finish("s", n, TrialState.Complete));
        Assert.Throws<ArgumentException>(() => st.Finish("s", n, TrialState.Running));
        Assert.Throws<ArgumentException>(() => st.ClaimWaiting("s", " "));
        Assert.Contains("no study 'nope'", Assert.Throws<KeyNotFoundException>(() => st.Enqueue("nope", P(0))).Message);
        Assert.Contains("no trial 99", Assert.Throws<KeyNotFoundException>(() => st.Heartbeat("s", 99, "w")).Message);
        Assert.Null(st.Trial("s", 99));
        Assert.Equal(TrialState.Running, st.Trial("s", n)!.State);   // the failed calls changed nothing
    }

    [StorageFact]
    public void AFailedTrialIsRetriedOnceWithItsParameters()
    {
        var st = Open();
        st.CreateOrLoadStudy(Definition());
        var t = st.CreateRunning("s", P(5), "w");
        st.Finish("s", t.Number, TrialState.Failed, message: "out of memory");
        var again = st.Retry("s", t.Number);
        Assert.Equal((TrialState.Waiting, t.Number, P(5), 1), (again.State, again.RetryOf, again.Params, again.Number));
        Assert.Contains("already retried as trial 1", Assert.Throws<InvalidOperationException>(() => st.Retry("s", t.Number)).Message);
        Assert.Equal(2, st.Trials("s").Count);   // the refused retry added nothing
        Assert.Contains("is Waiting", Assert.Throws<InvalidOperationException>(() => st.Retry("s", again.Number)).Message);
        Assert.Equal(again.Number, st.ClaimWaiting("s", "w2")!.Number);
    }

    [StorageFact]
    public void EverythingPersistsAcrossReopening()
    {
        IReadOnlyList<Trial> before;
        using (var st = OpenStore())
        {
            st.CreateOrLoadStudy(Definition());
            var ordered = TrialParams.Empty.With("zeta", 0.5).With("alpha", "x").With("mid", 3L);
            st.Enqueue("s", ordered);
            var r = st.CreateRunning("s", P(1), "w");
            st.Report("s", r.Number, 0, [0.75, 2]);
            st.Finish("s", r.Number, TrialState.Complete, [0.9, 512]);
            st.Finish("s", st.CreateRunning("s", P(2), "w").Number, TrialState.Failed, message: "boom");
            st.Retry("s", 2);
            st.CreateRunning("s", P(3), "w2");
            before = st.Trials("s");
        }
        using var again = OpenStore();
        var after = again.Trials("s");
        Assert.Equal(["zeta", "alpha", "mid"], after[0].Params.Names);
        Assert.Equal(before.Count, after.Count);
        for (int i = 0; i < before.Count; i++)
        {
            var (x, y) = (before[i], after[i]);
            Assert.Equal((x.Study, x.Number, x.State, x.Params, x.Worker, x.Message, x.RetryOf), (y.Study, y.Number, y.State, y.Params, y.Worker, y.Message, y.RetryOf));
            Assert.Equal((x.Started, x.Heartbeat, x.Finished), (y.Started, y.Heartbeat, y.Finished));
            Assert.Equal(x.Values, y.Values);
            Assert.Equal(x.Reports.Keys, y.Reports.Keys);
            foreach (var k in x.Reports.Keys) Assert.Equal(x.Reports[k], y.Reports[k]);
        }
        Assert.Equal(5, again.Enqueue("s", P(9)).Number);   // numbering goes on
    }
}
