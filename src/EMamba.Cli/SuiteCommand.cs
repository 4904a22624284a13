using System.CommandLine;
using EMamba.Core;
using EMamba.Training.Stages;
using Spectre.Console;

namespace EMamba.Cli;

/// <summary>`suite`: parses its options, runs <see cref="SuiteStage"/> and prints each task's ablation
/// table as it finishes and the report's path at the end.</summary>
public static class SuiteCommand
{
    public static Command Create()
    {
        var tasks = new Option<string>("--tasks") { Description = $"Tasks to run, in order ({string.Join(", ", SuiteStage.Tasks.Keys)}).", DefaultValueFactory = _ => string.Join(",", SuiteStage.Tasks.Keys) };
        var outDir = new Option<string>("--out") { Description = "Runs folder: Mamba runs go to <out>/ablation/<preset> (as 'emamba ablation' puts them), baselines to <out>/baselines/<preset>.", DefaultValueFactory = _ => "runs" };
        var report = new Option<string>("--report") { Description = "Report over the suite's finished runs.", DefaultValueFactory = _ => Path.Combine("runs", "suite.md") };
        var noBaselines = new Option<bool>("--no-baselines") { Description = "Only the Mamba / eMamba runs." };
        var threads = new Option<int?>("--threads") { Description = "CPU threads for tensor math (default: all cores)." };
        var rangeInit = SwitchOption.WithDefault("--range-init", "Initial range-norm gain of the eMamba runs: matched or one (gamma = 1; their folders end in -gamma1, as 'emamba ablation' names them).",
            RangeInit.Matched, v => $"--range-init '{v}' must be matched or one");
        var epochs = new Option<int?>("--epochs") { Description = "Cap every run at this many epochs (quick checks; the results use the presets' own)." };
        var limitTrain = new Option<int?>("--limit-train") { Description = "Use only the first N training samples (tokens for WikiText-2) of every task." };
        var limitTest = new Option<int?>("--limit-test") { Description = "Evaluate only the first N test samples (tokens) of every task." };
        var data = SuiteStage.Tasks.Keys.ToDictionary(t => t, t => new Option<string?>("--" + t) { Description = $"Data location of {t} (default: its standard location)." });
        var cmd = new Command("suite", "All runs of the four-task results (Mamba, eMamba, CNN/ViT/Transformer baselines), resumable, then one report.");
        foreach (var o in new Option[] { tasks, outDir, report, noBaselines, threads, rangeInit, epochs, limitTrain, limitTest }.Concat(data.Values)) cmd.Options.Add(o);
        cmd.SetAction(r => App.Guard(ct =>
        {
            EMamba.Training.TorchThreads.Set(r.GetValue(threads));
            // The stage checks these too; here they are refused in the options' own words.
            var list = r.GetValue(tasks)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            foreach (var t in list)
                if (!SuiteStage.Tasks.ContainsKey(t)) throw new EMambaException($"--tasks: '{t}' is not one of {string.Join(", ", SuiteStage.Tasks.Keys)}", ExitCodes.Usage);
            var init = r.GetValue(rangeInit);
            int? cap = r.GetValue(epochs), lt = r.GetValue(limitTrain), ls = r.GetValue(limitTest);
            if (cap is < 1 || lt is < 1 || ls is < 1) throw new EMambaException("--epochs, --limit-train and --limit-test must be positive", ExitCodes.Usage);
            var result = SuiteStage.Run(new SuiteStage.Request(list, r.GetValue(outDir)!, r.GetValue(report)!, !r.GetValue(noBaselines), init, cap, lt, ls,
                data.ToDictionary(kv => kv.Key, kv => r.GetValue(kv.Value)), App.CommandLine, ConsoleStageObserver.Instance,
                AblationDone: t => AnsiConsole.Write(ResultTables.Ablation(t.Rows, t.MetricName))), ct);
            Console.WriteLine($"suite done; report: {result.ReportPath}");
            return ExitCodes.Ok;
        }));
        return cmd;
    }
}
