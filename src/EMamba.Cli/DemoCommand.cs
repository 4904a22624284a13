using System.CommandLine;
using EMamba.Core;
using EMamba.Data;
using EMamba.Training.Stages;
using Spectre.Console;
using EMamba.Training.Train;

namespace EMamba.Cli;

/// <summary>`demo`: parses its options, runs <see cref="DemoStage"/>, prints the ablation table when stage 1
/// is done and one closing line. Installing Fashion-MNIST is not the command's job either: the ./emamba wrapper runs
/// build/setup.sh demo, which installs the Debian package, and --data points elsewhere.</summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var outDir = new Option<string>("--out") { Description = "Folder for the demo's run folders and report.", DefaultValueFactory = _ => Path.Combine("runs", "demo") };
        var config = new Option<string>("--config") { Description = "Preset or config file of the operator ablation.", DefaultValueFactory = _ => "fmnist-small" };
        var fresh = new Option<bool>("--fresh") { Description = "Delete the demo folder first instead of reusing finished stages." };
        var marsDir = new Option<string>("--mars") { Description = "MARS folder (.npy files); synthetic MARS-shaped data is generated when it is absent.", DefaultValueFactory = _ => Mars.DefaultDir };
        var wikiDir = new Option<string>("--wikitext") { Description = "WikiText-2 folder (tokenized .txt); the LM stage is skipped when it is absent.", DefaultValueFactory = _ => WikiText.DefaultDir };
        var cmd = new Command("demo", "The main job: eMamba operator ablation on Fashion-MNIST, then MARS, WikiText-2 and CNN/ViT baselines briefly; writes runs/demo/report.md.");
        cmd.Options.Add(outDir); cmd.Options.Add(config); cmd.Options.Add(fresh); cmd.Options.Add(marsDir); cmd.Options.Add(wikiDir);
        common.AddTo(cmd, training: true);
        cmd.SetAction(r => App.Guard(ct =>
        {
            common.SetThreads(r);
            string cfgName = r.GetValue(config)!;
            var cfg = common.Apply(r, Presets.Resolve(cfgName), cfgName);
            var result = DemoStage.Run(new DemoStage.Request(cfg, cfgName, r.GetValue(outDir)!, r.GetValue(common.Data), r.GetValue(common.LimitTrain),
                r.GetValue(common.LimitTest), r.GetValue(common.Epochs), r.GetValue(marsDir)!, r.GetValue(wikiDir)!, r.GetValue(fresh), App.CommandLine,
                ConsoleStageObserver.Instance, AblationDone: rows => AnsiConsole.Write(ResultTables.Ablation(rows, TaskObjective.For(cfg.Model).MetricName)),
                Hardware: (model, dir, token) => DemoHardware.Run(model, dir, r.GetValue(common.Data), token) + DemoSearch.Run(dir)), ct);
            var (exact, tuned) = (result.Exact, result.FineTuned);
            Console.WriteLine($"demo done in {result.WallTime.TotalMinutes:F1} min (stage 1 {result.Stage1Time.TotalMinutes:F1}): exact Mamba {exact.Test:F2} %, " +
                              $"all eMamba operators (fine-tuned) {tuned.Test:F2} % with {tuned.Parameters:N0} parameters, " +
                              $"INT8 in the integer engine {result.Integer.Metric:F2} % ({result.Integer.IntBytes:N0} bytes); report: {result.Report}");
            return ExitCodes.Ok;
        }));
        return cmd;
    }
}
