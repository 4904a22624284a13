using System.CommandLine;
using EMamba.Core;

namespace EMamba.Cli;

/// <summary>The main job on built-in defaults: the operator ablation on fmnist-small (exact Mamba,
/// + range norm, + ReLU Delta, 6 epochs each; fitted PWL SiLU/exp swapped in, then 1 epoch of
/// fine-tuning), one report. About 10 minutes on a 2-core machine; a rerun reuses finished stages.</summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var outDir = new Option<string>("--out") { Description = "Folder for the demo's run folders and report.", DefaultValueFactory = _ => Path.Combine("runs", "demo") };
        var config = new Option<string>("--config") { Description = "Preset or config file to train.", DefaultValueFactory = _ => "fmnist-small" };
        var fresh = new Option<bool>("--fresh") { Description = "Delete the demo folder first instead of reusing finished stages." };
        var cmd = new Command("demo", "The main job: exact Mamba vs eMamba operators on Fashion-MNIST (fmnist-small), PWL fit, fine-tune; writes runs/demo/report.md.");
        cmd.Options.Add(outDir); cmd.Options.Add(config); cmd.Options.Add(fresh);
        common.AddTo(cmd, training: true);
        cmd.SetAction(r => App.Guard(ct =>
        {
            common.SetThreads(r);
            string cfgName = r.GetValue(config)!;
            var cfg = common.Apply(r, Presets.Resolve(cfgName), cfgName);
            string dir = r.GetValue(outDir)!;
            if (r.GetValue(fresh) && Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
            string report = Path.Combine(dir, "report.md");
            App.Info($"demo: {cfgName}, {cfg.Train.Epochs} epochs per model, into {dir}");
            var rows = AblationFlow.Run(new AblationFlow.Request(cfg, Path.GetFileNameWithoutExtension(cfgName), dir, r.GetValue(common.Data),
                r.GetValue(common.LimitTrain), r.GetValue(common.LimitTest), [.. AblationFlow.Trained.Keys], 1, report), ct);
            var exact = rows[0];
            var tuned = rows.First(x => x.Label.StartsWith("all eMamba ops, fine-tuned"));
            Console.WriteLine($"demo done: exact Mamba {exact.Test:F2} %, all eMamba operators (fine-tuned) {tuned.Test:F2} % " +
                              $"with {tuned.Parameters:N0} parameters; report: {report}");
            return ExitCodes.Ok;
        }));
        return cmd;
    }
}
