using System.CommandLine;
using System.Globalization;
using EMamba.Core;
using EMamba.Hardware;
using EMamba.Search.Runner;
using EMamba.Search.Space;
using EMamba.Search.Storage;

namespace EMamba.Cli;

/// <summary><c>emamba search</c>: run a worker of an approximation-aware architecture search (docs/search.md),
/// and <c>emamba search report</c>: its Pareto front, plots and the chosen model.</summary>
public static class SearchCommand
{
    public static Command Create()
    {
        var space = new Option<string?>("--space") { Description = "Search space JSON (configs/search/mars.json). Not needed with --resume: the study stores its space." };
        var study = StudyOption();
        var storage = StorageOption();
        var dir = DirOption();
        var trials = new Option<int?>("--trials") { Description = "Sampled trials the study should have in all (default: the space's budget.trials); a resume may raise it." };
        var sampler = SwitchOption.Optional<SamplerKind>("--sampler", "Sampler: nsga2 or random (default: the space's); random with another --seed is the baseline.", v => $"--sampler '{v}' must be nsga2 or random");
        var seed = new Option<int?>("--seed") { Description = "Study seed (default: the space's budget.seed): the sampler's and, with the trial number, each trial's training seed." };
        var threads = new Option<int?>("--threads") { Description = "CPU threads for training and the integer engine (default: all cores; 1 per worker when several share a machine)." };
        var resume = new Option<bool>("--resume") { Description = "Continue a stored study (after a crash or kill, or as one more worker): trials of dead workers are failed and retried." };
        var data = new Option<string?>("--data") { Description = "Data set location (default: the task's standard location)." };
        var stale = new Option<double>("--stale-after") { Description = "Seconds without a heartbeat after which a running trial's worker counts as dead.", DefaultValueFactory = _ => 60 };
        var cmd = new Command("search", "Run a worker of an approximation-aware architecture search: sample candidates, train them under ASHA, quantize, score INT8, cycles and energy; the study lives in SQLite or PostgreSQL.");
        foreach (var o in new Option[] { space, study, storage, dir, trials, sampler, seed, threads, resume, data, stale }) cmd.Options.Add(o);
        cmd.Subcommands.Add(SearchReportCommand.Create());
        cmd.SetAction(r => App.Guard(ct =>
        {
            string name = r.GetValue(study)!;
            string folder = r.GetValue(dir) ?? DefaultDir(name);
            double staleSeconds = r.GetValue(stale);
            if (!(staleSeconds is >= 1 and <= 86_400)) throw new EMambaException($"--stale-after {staleSeconds}: must be in 1..86400 seconds", ExitCodes.Usage);
            if (r.GetValue(trials) is <= 0) throw new EMambaException("--trials must be a positive number of trials", ExitCodes.Usage);
            string? spaceFile = r.GetValue(space);
            using var st = StudyStorage.Open(r.GetValue(storage) ?? DefaultStorage(folder));
            Study s;
            if (r.GetValue(resume))
            {
                if (st.LoadStudy(name) is null) throw new EMambaException($"{st.Location}: no study '{name}' to resume; drop --resume to start it", ExitCodes.BadInput);
                if (spaceFile is null && (r.GetValue(sampler) != null || r.GetValue(seed) != null))
                    throw new EMambaException("--sampler and --seed are part of a study's definition: with --resume, pass them with --space or not at all", ExitCodes.Usage);
                s = spaceFile is null ? Study.Load(st, name, folder) : Study.Create(st, name, spaceFile, r.GetValue(sampler), r.GetValue(seed), folder);
            }
            else
            {
                if (spaceFile is null) throw new EMambaException("--space is required to start a study (or pass --resume to continue a stored one)", ExitCodes.Usage);
                if (st.LoadStudy(name) != null && st.Trials(name).Count > 0)
                    throw new EMambaException($"{st.Location}: study '{name}' already has {st.Trials(name).Count} trials; pass --resume to continue it or choose another --study", ExitCodes.Usage);
                s = Study.Create(st, name, spaceFile, r.GetValue(sampler), r.GetValue(seed), folder);
            }
            int threadCount = EMamba.Training.TorchThreads.Set(r.GetValue(threads));
            int target = r.GetValue(trials) ?? s.Space.Budget.Trials;
            var options = new WorkerOptions(target, r.GetValue(data), threadCount, TimeSpan.FromSeconds(staleSeconds), s.Space.Hardware, StudyStorage.ThisProcess);
            App.Info($"study '{name}' in {st.Location}: {s.Space.Sampler.Kind.ToString().ToLowerInvariant()} sampler, seed {s.Seed}, {target} trials, ASHA rungs at epochs {string.Join(", ", s.Space.Budget.Asha.Rungs())} of {s.Space.Budget.MaxEpochs}; trial folders in {folder}");
            ConsoleSearchObserver.Run(s, target, obs => new Worker(s, options, obs).Run(ct));
            var all = st.Trials(name);
            Console.WriteLine($"study '{name}': {all.Count} trials ({StudySummary.Counts(all)})" +
                (StudySummary.Best(s, all) is { } b ? string.Create(CultureInfo.InvariantCulture, $"; best trial {b.Number}: {string.Join(", ", s.Info.Objectives.Select((o, i) => $"{o.Name} {b.Values![i]:G5}"))}") : ""));
            Console.WriteLine($"report: emamba search report --study {name} --storage {Quoted(st.Location)} --out {Path.Combine(folder, "report")}");
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    internal static Option<string> StudyOption() => new("--study") { Description = "Study name (unique in its storage).", Required = true };

    internal static Option<string?> StorageOption() => new("--storage")
    {
        Description = $"Where the study lives: {StudyStorage.AcceptedForms} (default: sqlite:<--dir>/study.db).",
    };

    internal static Option<string?> DirOption() => new("--dir") { Description = "The study's folder for trial checkpoints, tables and quantized models (default: runs/search/<study>)." };

    internal static string DefaultDir(string study) => Path.Combine("runs", "search", study);

    internal static string DefaultStorage(string dir) => "sqlite:" + DefaultStudyFile(dir);

    /// <summary>The SQLite file of a study folder's default storage.</summary>
    internal static string DefaultStudyFile(string dir) => Path.Combine(dir, "study.db");

    private static string Quoted(string s) => s.Contains(' ') ? $"\"{s}\"" : s;
}
