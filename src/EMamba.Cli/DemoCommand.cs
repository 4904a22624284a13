using System.CommandLine;
using EMamba.Core;
using EMamba.Data;

namespace EMamba.Cli;

/// <summary>The main job on built-in defaults: train fmnist-small on Fashion-MNIST, test it, and
/// leave a run folder with checkpoint, log, curve and report.</summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var outDir = new Option<string>("--out") { Description = "Run folder.", DefaultValueFactory = _ => Path.Combine("runs", "demo") };
        var config = new Option<string>("--config") { Description = "Preset or config file to train.", DefaultValueFactory = _ => "fmnist-small" };
        var cmd = new Command("demo", "The main job: train fmnist-small on Fashion-MNIST, evaluate on test, write runs/demo/report.md.");
        cmd.Options.Add(outDir); cmd.Options.Add(config);
        common.AddTo(cmd, training: true);
        cmd.SetAction(r => App.Guard(ct =>
        {
            common.SetThreads(r);
            string cfgName = r.GetValue(config)!;
            var cfg = common.Apply(r, Presets.Resolve(cfgName), cfgName);
            string dir = r.GetValue(outDir)!;
            App.Info($"demo: training {cfgName} ({cfg.Train.Epochs} epochs) into {dir}");
            var log = TrainFlow.Run(new TrainFlow.Request(cfg, r.GetValue(common.Data), r.GetValue(common.LimitTrain),
                r.GetValue(common.LimitTest), dir, Resume: false, Force: true, Test: true), ct);
            RunReport.Write(dir, log, App.CommandLine);
            Console.WriteLine($"demo done: test accuracy {log.Test["accuracy"]:F2} % with {log.Parameters:N0} parameters; report: {Path.Combine(dir, "report.md")}");
            return ExitCodes.Ok;
        }));
        return cmd;
    }
}
