using System.CommandLine;
using EMamba.Core;
using EMamba.Training.Stages;
using Spectre.Console;
using EMamba.Training.Train;

namespace EMamba.Cli;

/// <summary><c>emamba ablation</c>: what each eMamba operator costs in accuracy on one config.</summary>
public static class AblationCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var config = new Option<string>("--config") { Description = $"Base config (preset: {string.Join(", ", Presets.All.Keys)}, or a JSON file).", DefaultValueFactory = _ => "fmnist-base" };
        var outDir = new Option<string?>("--out") { Description = "Folder for the run folders of every stage (default: runs/ablation/<config>)." };
        var variants = new Option<string>("--variants") { Description = "Trained variants: exact, range, range-relu (comma-separated).", DefaultValueFactory = _ => "exact,range,range-relu" };
        var ft = new Option<int>("--finetune-epochs") { Description = "Epochs of fine-tuning with the PWL functions in the loop.", DefaultValueFactory = _ => 2 };
        var report = new Option<string?>("--report") { Description = "Markdown report to write (a .json with the same figures goes beside it)." };
        var rangeInit = SwitchOption.WithDefault("--range-init", "Initial range-norm gain: matched (layer norm's output scale) or one (gamma = 1). The default out folder of 'one' ends in -gamma1.",
            RangeInit.Matched, v => $"--range-init '{v}' must be matched or one");
        var cmd = new Command("ablation", "Train exact Mamba, + range norm, + ReLU Delta; swap in fitted PWL SiLU/exp; fine-tune; tabulate test accuracy. Resumable.");
        cmd.Options.Add(config); cmd.Options.Add(outDir); cmd.Options.Add(variants); cmd.Options.Add(ft); cmd.Options.Add(report); cmd.Options.Add(rangeInit);
        common.AddTo(cmd, training: true);
        cmd.SetAction(r => App.Guard(ct =>
        {
            common.SetThreads(r);
            string name = r.GetValue(config)!;
            var cfg = common.Apply(r, Presets.Resolve(name), name);
            if (r.GetValue(ft) < 1) throw new EMambaException("--finetune-epochs must be >= 1", ExitCodes.Usage);
            string stem = Path.GetFileNameWithoutExtension(name);
            var init = r.GetValue(rangeInit);
            string dir = r.GetValue(outDir) ?? Path.Combine("runs", "ablation", stem + (init == RangeInit.One ? "-gamma1" : ""));
            var rows = AblationStage.Run(new AblationStage.Request(cfg, stem, dir, r.GetValue(common.Data),
                r.GetValue(common.LimitTrain), r.GetValue(common.LimitTest), r.GetValue(variants)!.Split(',', StringSplitOptions.TrimEntries),
                r.GetValue(ft), r.GetValue(report) ?? Path.Combine(dir, "ablation.md"), App.CommandLine, init, ConsoleStageObserver.Instance), ct);
            AnsiConsole.Write(ResultTables.Ablation(rows, TaskObjective.For(cfg.Model).MetricName));
            return ExitCodes.Ok;
        }));
        return cmd;
    }
}
