using System.CommandLine;
using EMamba.Core;
using EMamba.Reports;
using EMamba.Training.Stages;
using Spectre.Console;
using EMamba.Training;
using EMamba.Training.Scan;
using EMamba.Training.Train;

namespace EMamba.Cli;

/// <summary>`suite`: every run behind the four-task results, then their report. Per task: exact Mamba
/// and eMamba (the operator ablation's exact and ReLU-Delta variants, PWL fit, swap and fine-tune)
/// and the baseline presets; finished runs are reused and unfinished ones resumed, so the suite can
/// be stopped and restarted at any point.</summary>
public static class SuiteCommand
{
    /// <summary>The Mamba preset and the baseline presets of each task.</summary>
    public static readonly IReadOnlyDictionary<string, (string Mamba, string[] Baselines)> Tasks = new Dictionary<string, (string, string[])>
    {
        ["fmnist"] = ("fmnist-base", ["fmnist-cnn-s", "fmnist-cnn-m", "fmnist-vit-s", "fmnist-vit-m"]),
        ["cifar10"] = ("cifar10-base", ["cifar10-cnn-s", "cifar10-cnn-m", "cifar10-vit-s", "cifar10-vit-m"]),
        ["mars"] = ("mars-paper", ["mars-cnn-s", "mars-cnn-m", "mars-vit-s", "mars-vit-m"]),
        ["wikitext2"] = ("wikitext2-small", ["wikitext2-transformer"]),
    };

    public static Command Create()
    {
        var tasks = new Option<string>("--tasks") { Description = $"Tasks to run, in order ({string.Join(", ", Tasks.Keys)}).", DefaultValueFactory = _ => string.Join(",", Tasks.Keys) };
        var outDir = new Option<string>("--out") { Description = "Runs folder: Mamba runs go to <out>/ablation/<preset> (as 'emamba ablation' puts them), baselines to <out>/baselines/<preset>.", DefaultValueFactory = _ => "runs" };
        var report = new Option<string>("--report") { Description = "Report over the suite's finished runs.", DefaultValueFactory = _ => Path.Combine("runs", "suite.md") };
        var noBaselines = new Option<bool>("--no-baselines") { Description = "Only the Mamba / eMamba runs." };
        var threads = new Option<int?>("--threads") { Description = "CPU threads for tensor math (default: all cores)." };
        var rangeInit = new Option<string>("--range-init") { Description = "Initial range-norm gain of the eMamba runs: matched or one (gamma = 1; their folders end in -gamma1, as 'emamba ablation' names them).", DefaultValueFactory = _ => "matched" };
        var epochs = new Option<int?>("--epochs") { Description = "Cap every run at this many epochs (quick checks; the results use the presets' own)." };
        var limitTrain = new Option<int?>("--limit-train") { Description = "Use only the first N training samples (tokens for WikiText-2) of every task." };
        var limitTest = new Option<int?>("--limit-test") { Description = "Evaluate only the first N test samples (tokens) of every task." };
        var data = Tasks.Keys.ToDictionary(t => t, t => new Option<string?>("--" + t) { Description = $"Data location of {t} (default: its standard location)." });
        var cmd = new Command("suite", "All runs of the four-task results (Mamba, eMamba, CNN/ViT/Transformer baselines), resumable, then one report.");
        foreach (var o in new Option[] { tasks, outDir, report, noBaselines, threads, rangeInit, epochs, limitTrain, limitTest }.Concat(data.Values)) cmd.Options.Add(o);
        cmd.SetAction(r => App.Guard(ct =>
        {
            EMamba.Training.TorchThreads.Set(r.GetValue(threads));
            var list = r.GetValue(tasks)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            foreach (var t in list)
                if (!Tasks.ContainsKey(t)) throw new EMambaException($"--tasks: '{t}' is not one of {string.Join(", ", Tasks.Keys)}", ExitCodes.Usage);
            string init = r.GetValue(rangeInit)!;
            if (init is not ("matched" or "one")) throw new EMambaException($"--range-init '{init}' must be matched or one", ExitCodes.Usage);
            string root = r.GetValue(outDir)!;
            var dirs = new List<string>();
            int? cap = r.GetValue(epochs), lt = r.GetValue(limitTrain), ls = r.GetValue(limitTest);
            if (cap is < 1 || lt is < 1 || ls is < 1) throw new EMambaException("--epochs, --limit-train and --limit-test must be positive", ExitCodes.Usage);
            RunConfig Capped(string preset) => Presets.All[preset] is var c && cap is int e && e < c.Train.Epochs ? c with { Train = c.Train with { Epochs = e } } : Presets.All[preset];
            foreach (var t in list)
            {
                var (mamba, baselines) = Tasks[t];
                App.Info($"suite: {t}: {mamba} (exact and eMamba)" + (r.GetValue(noBaselines) ? "" : $", then {string.Join(", ", baselines)}"));
                string dir = Path.Combine(root, "ablation", mamba + (init == "one" ? "-gamma1" : ""));
                dirs.Add(dir);
                string? where = r.GetValue(data[t]);
                var rows = AblationStage.Run(new AblationStage.Request(Capped(mamba), mamba, dir, where, lt, ls, ["exact", "range-relu"], Math.Min(2, cap ?? 2),
                    Path.Combine(dir, "ablation.md"), App.CommandLine, init == "one" ? RangeInit.One : RangeInit.Matched, ConsoleStageObserver.Instance), ct);
                AnsiConsole.Write(ResultTables.Ablation(rows, TaskObjective.For(Capped(mamba).Model).MetricName));
                if (r.GetValue(noBaselines)) continue;
                foreach (var b in baselines)
                {
                    dirs.Add(Path.Combine(root, "baselines", b));
                    AblationStage.TrainOrReuse(Capped(b), dirs[^1], where, lt, ls, App.CommandLine, ConsoleStageObserver.Instance, ct);
                }
            }
            string path = r.GetValue(report)!;
            CrossRunReport.Build(root, path, dirs.SelectMany(d => CrossRunReport.Collect(d, root, App.Info)).ToList(), App.CommandLine, "eMamba.NET: four tasks, eMamba vs baselines");
            Console.WriteLine($"suite done; report: {path}");
            return ExitCodes.Ok;
        }));
        return cmd;
    }
}
