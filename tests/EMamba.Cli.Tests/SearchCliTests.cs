using System.Diagnostics;
using EMamba.Data;
using EMamba.Search.Storage;
using EMamba.Search.Tests.Storage;

namespace EMamba.Cli.Tests;

/// <summary>`emamba search` end to end on a synthetic MARS folder and a tiny model: a search that completes and
/// writes its report; a worker killed with SIGKILL mid-trial and the study resumed; two worker processes on one
/// SQLite study and two on one PostgreSQL study (a throwaway server, started only by the test that needs it).
/// Trials last a fraction of a second to a few seconds.</summary>
[Collection("cli")] // Console.Error is captured; keep serial with the other CLI tests
public sealed class SearchCliTests : IClassFixture<PostgresCluster>, IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("emamba-search-cli-").FullName;
    private string Mars => Path.Combine(dir, "mars");
    private readonly PostgresCluster _postgres;
    private string _storage;   // the SQLite file, or a PostgreSQL URL for the test that sets one

    public SearchCliTests(PostgresCluster postgres)
    {
        _postgres = postgres;
        _storage = Path.Combine(dir, "study.db");
        MarsSynthetic.WriteFolder(Mars, 200, 60, 40, seed: 3);
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);

    /// <summary>A space over a tiny MARS model; <paramref name="minEpochs"/> / <paramref name="maxEpochs"/> set ASHA's rung and the length of a trial.</summary>
    private string Space(int trials, int minEpochs, int maxEpochs, string objectives = """["metric_int8", "params", "cycles"]""")
    {
        File.WriteAllText(Path.Combine(dir, "tiny.json"), """
            { "model": { "task": "mars", "arch": "mamba", "in_channels": 5, "height": 8, "width": 8, "patch": 4, "d_model": 8, "expand": 2,
                         "d_state": 4, "n_layers": 1, "head": "regress", "num_outputs": 57 },
              "train": { "epochs": 2, "batch_size": 32, "lr": 0.003, "warmup_steps": 0 } }
            """);
        string path = Path.Combine(dir, $"space-{trials}-{maxEpochs}-{objectives.Length}.json");
        File.WriteAllText(path, $$"""
            { "base_config": "tiny.json",
              "architecture": { "d_model": { "choices": [4, 8] }, "d_state": { "choices": [2, 4] } },
              "approximation": { "silu_segments": { "low": 6, "high": 10 }, "knot_placement": { "choices": ["uniform", "fitted", "fine_tuned"] }, "finetune_epochs": 1 },
              "quantization": { "state_bits": { "low": 10, "high": 16, "step": 2 }, "per_channel": { "choices": [true, false] } },
              "objectives": {{objectives}},
              "budget": { "trials": {{trials}}, "min_epochs": {{minEpochs}}, "max_epochs": {{maxEpochs}}, "eta": 2, "seed": 1 },
              "sampler": { "kind": "nsga2", "population": 2 } }
            """);
        return path;
    }

    private string[] Search(string space, string study, params string[] more) =>
        ["search", "--space", space, "--study", study, "--storage", _storage, "--dir", Path.Combine(dir, study), "--data", Mars, "--threads", "1", .. more];

    private IReadOnlyList<Trial> Trials(string study)
    {
        using var st = StudyStorage.Open(_storage);
        return st.LoadStudy(study) is null ? [] : st.Trials(study);
    }

    /// <summary>Every sampled trial ran to an end once: numbers dense, the budget met by trials that are not retries,
    /// each trial of a dead worker retried exactly once, nothing left waiting or running.</summary>
    private static void AssertWhole(IReadOnlyList<Trial> trials, int budget)
    {
        Assert.Equal(Enumerable.Range(0, trials.Count), trials.Select(t => t.Number));
        Assert.Equal(budget, trials.Count(t => t.RetryOf is null));
        Assert.All(trials, t => Assert.True(t.State.IsFinished(), $"trial {t.Number} is {t.State}"));
        foreach (var dead in trials.Where(t => t.State == TrialState.Failed && t.Message!.StartsWith("worker ", StringComparison.Ordinal)))
            Assert.Single(trials, t => t.RetryOf == dead.Number);
        Assert.All(trials.GroupBy(t => t.RetryOf).Where(g => g.Key != null), g => Assert.Single(g));
    }

    [Fact]
    public void ATinySearchCompletesAndWritesItsReport()
    {
        var (code, err) = CliRun.WithStderr(Search(Space(3, 1, 2), "tiny"));
        Assert.True(code == 0, err);
        var trials = Trials("tiny");
        AssertWhole(trials, 3);
        Assert.Contains(trials, t => t.State == TrialState.Complete);
        Assert.All(trials.Where(t => t.State is TrialState.Complete or TrialState.Pruned), t => Assert.Equal(3, t.Values!.Length));

        string report = Path.Combine(dir, "report");
        (code, err) = CliRun.WithStderr("search", "report", "--study", "tiny", "--storage", _storage, "--dir", Path.Combine(dir, "tiny"), "--out", report, "--data", Mars, "--knots");
        Assert.True(code == 0, err);
        string md = File.ReadAllText(Path.Combine(report, "report.md"));
        Assert.Contains("## Pareto front", md);
        Assert.Contains("emamba quantize --model", md);
        Assert.Contains("emamba hw gen --model", md);
        Assert.Contains("Hypervolume", md);
        // --knots: the chosen model under uniform and fitted knots beside its searched ones.
        Assert.Contains("## Knot placement on the chosen model", md);
        Assert.Contains("| uniform", md);
        Assert.Contains("| fitted", md);
        Assert.Single(md.Split('\n'), l => l.Contains("(searched)", StringComparison.Ordinal));
        foreach (var png in new[] { "metric-vs-params.png", "metric-vs-cycles.png", "hypervolume.png" }) Assert.True(File.Exists(Path.Combine(report, png)), png);
        Assert.True(File.Exists(Path.Combine(report, "report.json")));
        // An unknown baseline is a clear error that leaves no empty study database behind.
        string ghost = "ghost-" + Guid.NewGuid().ToString("N");
        (code, err) = CliRun.WithStderr("search", "report", "--study", "tiny", "--storage", _storage, "--dir", Path.Combine(dir, "tiny"), "--out", report, "--baseline", ghost);
        Assert.Equal(EMamba.Core.ExitCodes.BadInput, code);
        Assert.Contains($"--baseline {ghost}: no such study", err);
        Assert.False(Directory.Exists(Path.Combine("runs", "search", ghost)));

        // A second start of the same study needs --resume; a resume of a finished study has nothing to do.
        Assert.Equal(EMamba.Core.ExitCodes.Usage, CliRun.WithStderr(Search(Space(3, 1, 2), "tiny")).Code);
        Assert.Equal(0, CliRun.WithStderr("search", "--study", "tiny", "--storage", _storage, "--resume", "--data", Mars, "--threads", "1").Code);
        Assert.Equal(trials.Count, Trials("tiny").Count);
    }

    /// <summary>Area as an objective: every finished trial stores a positive modelled area (mm2), the front is drawn against it.</summary>
    [Fact]
    public void AreaIsAnObjective()
    {
        var (code, err) = CliRun.WithStderr(Search(Space(2, 1, 2, """["metric_int8", "area"]"""), "area"));
        Assert.True(code == 0, err);
        var trials = Trials("area");
        AssertWhole(trials, 2);
        Assert.All(trials.Where(t => t.Values != null), t => Assert.InRange(t.Values![1], 1e-4, 10));
    }

    [Fact]
    public void ClearErrorsForAMissingSpaceABadStorageAndAnUnknownStudy()
    {
        var (code, err) = CliRun.WithStderr("search", "--space", Path.Combine(dir, "none.json"), "--study", "s", "--storage", _storage);
        Assert.NotEqual(0, code);
        Assert.Contains("search space file not found", err);
        (code, err) = CliRun.WithStderr("search", "--space", Space(2, 1, 2), "--study", "s", "--storage", "ftp://x/y");
        Assert.NotEqual(0, code);
        Assert.Contains("is not a study storage", err);
        (code, err) = CliRun.WithStderr("search", "report", "--study", "nobody", "--storage", _storage);
        Assert.NotEqual(0, code);
        Assert.Contains("no study 'nobody'", err);
    }

    private Process Worker(string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(typeof(App).Assembly.Location);
        foreach (var a in args) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    [Fact]
    public void AStudyResumedAfterKill9LosesAndRepeatsNoTrial()
    {
        // 30 epochs of about 0.05 s: the kill lands mid-trial.
        var args = Search(Space(3, 15, 30), "killed", "--stale-after", "2");
        using (var w = Worker(args))
        {
            var until = DateTime.UtcNow.AddSeconds(60);
            while (!Trials("killed").Any(t => t.State == TrialState.Running && t.Reports.Count >= 3) && DateTime.UtcNow < until && !w.HasExited) Thread.Sleep(50);
            Assert.False(w.HasExited, "the worker ended before it could be killed");
            w.Kill();   // SIGKILL on Linux
            w.WaitForExit();
        }
        var killed = Assert.Single(Trials("killed"), t => t.State == TrialState.Running);
        using (var again = Worker([.. args, "--resume"]))
        {
            Assert.True(again.WaitForExit(120_000), "the resumed worker did not finish");
            Assert.Equal(0, again.ExitCode);
        }
        var trials = Trials("killed");
        AssertWhole(trials, 3);
        Assert.StartsWith("worker ", trials[killed.Number].Message);
        var retry = Assert.Single(trials, t => t.RetryOf == killed.Number);
        Assert.NotEqual(TrialState.Failed, retry.State);
        // The retry resumed the killed trial's folder: its first reports repeat the killed one's.
        Assert.Equal(killed.Reports[1], retry.Reports[1]);
    }

    [Fact]
    public void TwoWorkerProcessesOnOneSqliteStudyRunEachTrialOnce() => TwoWorkersRunEachTrialOnce();

    [PostgresFact]
    public void TwoWorkerProcessesOnOnePostgresStudyRunEachTrialOnce()
    {
        _storage = _postgres.NewDatabase();
        TwoWorkersRunEachTrialOnce();
    }

    /// <summary>Two worker processes on one study in <see cref="_storage"/>: the second joins once the first has
    /// created the study; between them they run the budget, each trial once, none lost or retried.</summary>
    private void TwoWorkersRunEachTrialOnce()
    {
        string space = Space(6, 2, 4);
        var args = Search(space, "pair");
        using var first = Worker(args);
        var until = DateTime.UtcNow.AddSeconds(60);
        while (Trials("pair").Count == 0 && DateTime.UtcNow < until && !first.HasExited) Thread.Sleep(20);
        using var second = Worker([.. args, "--resume"]);
        Assert.True(first.WaitForExit(120_000) && second.WaitForExit(120_000), "a worker did not finish");
        Assert.Equal(0, first.ExitCode);
        Assert.Equal(0, second.ExitCode);
        var trials = Trials("pair");
        AssertWhole(trials, 6);
        Assert.DoesNotContain(trials, t => t.RetryOf != null);
    }
}
