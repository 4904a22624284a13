using System.CommandLine;
using EMamba.Core;
using EMamba.Core.Approx;
using EMamba.Core.Integer;
using EMamba.Reports;
using EMamba.Training.Stages;

namespace EMamba.Cli;

public static class TrainCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        string tasks = string.Join(", ", Switches.Names<TaskKind>());
        var task = SwitchOption.Optional<TaskKind>("--task", $"Task: {tasks} (default: the config's).", v => $"--task '{v}' is not one of {tasks}");
        var config = new Option<string?>("--config") { Description = $"Config JSON file or preset ({string.Join(", ", Presets.All.Keys)})." };
        var outDir = new Option<string?>("--out") { Description = "Run folder for checkpoints, log and plots (default: runs/<config name>)." };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out from its last checkpoint." };
        var force = new Option<bool>("--force") { Description = "Overwrite an existing run in --out." };
        var noTest = new Option<bool>("--no-test") { Description = "Skip the final test-split evaluation." };
        var initFrom = new Option<string?>("--init-from") { Description = "Fine-tune this checkpoint (its config, weights and input normalisation); defaults become 2 epochs, a tenth of its learning rate, no warm-up." };
        var approx = new Option<string?>("--approx") { Description = "approx.json whose tables become the model's PWL SiLU/exp (with --init-from: swapped into the checkpoint)." };
        var onlyApprox = new Option<bool>("--only-approx") { Description = "Train only the PWL knots and values; every other weight stays frozen." };
        var qat = new Option<bool>("--qat") { Description = "Quantization-aware fine-tuning of --init-from: quantize it, fine-tune with the integer forward in the loop, quantize the result with the same domains, run both in the integer engine (docs/integer.md §21)." };
        var calib = new Option<int>("--calib") { Description = "With --qat: calibration samples of the post-training quantization.", DefaultValueFactory = _ => 512 };
        var method = new Option<CalibMethod>("--method") { Description = "With --qat: how the post-training quantization chooses each scale (max, percentile, mse).", DefaultValueFactory = _ => CalibMethod.Percentile };
        var precision = new Option<string?>("--precision") { Description = "With --qat: precision JSON of the quantization (see docs/integer.md). Overrides --method." };
        var cmd = new Command("train", "Train a float Mamba model; checkpoints every epoch and keeps the best on validation.");
        cmd.Options.Add(qat); cmd.Options.Add(calib); cmd.Options.Add(method); cmd.Options.Add(precision);
        cmd.Options.Add(task); cmd.Options.Add(config); cmd.Options.Add(initFrom); cmd.Options.Add(approx); cmd.Options.Add(onlyApprox); cmd.Options.Add(outDir); cmd.Options.Add(resume); cmd.Options.Add(force); cmd.Options.Add(noTest);
        common.AddTo(cmd, training: true);
        cmd.SetAction(r => App.Guard(ct =>
        {
            TaskKind? taskKind = r.GetValue(task);
            string? init = r.GetValue(initFrom), approxPath = r.GetValue(approx);
            if (init != null && r.GetValue(config) != null)
                throw new EMambaException("--init-from takes the checkpoint's config; do not pass --config too", ExitCodes.Usage);
            string cfgName = init != null ? Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(init)))! + "-finetune"
                : r.GetValue(config) ?? Presets.DefaultFor(taskKind ?? TaskKind.Fmnist);
            RunConfig baseCfg;
            if (init != null) baseCfg = TrainStage.FineTuneConfig(init, approxPath, r.GetValue(onlyApprox));
            else
            {
                baseCfg = Presets.Resolve(cfgName);
                if (approxPath != null)
                {
                    var tables = ApproxFile.Load(approxPath).Tables;
                    baseCfg = baseCfg with
                    {
                        Model = baseCfg.Model with
                        {
                            Silu = tables.ContainsKey(PwlFunction.Silu) ? Impl.Pwl : baseCfg.Model.Silu,
                            Exp = tables.ContainsKey(PwlFunction.Exp) ? Impl.Pwl : baseCfg.Model.Exp,
                        },
                        Train = baseCfg.Train with { Approx = Path.GetFullPath(approxPath) },
                    };
                }
                if (r.GetValue(onlyApprox)) baseCfg = baseCfg with { Train = baseCfg.Train with { OnlyApprox = true } };
            }
            var cfg = common.Apply(r, baseCfg, cfgName);
            if (taskKind is { } tk && cfg.Model.Task != tk)
                throw new EMambaException($"--task {tk.Name()} but config '{cfgName}' is for task '{cfg.Model.Task.Name()}'", ExitCodes.Usage);
            common.SetThreads(r);
            string dir = r.GetValue(outDir) ?? Path.Combine("runs", Path.GetFileNameWithoutExtension(cfgName) + (r.GetValue(qat) ? "-qat" : ""));
            if (r.GetValue(qat))
            {
                if (init is null) throw new EMambaException("--qat fine-tunes a trained model: pass --init-from <checkpoint>", ExitCodes.Usage);
                var res = QatStage.Run(new QatStage.Request(cfg, r.GetValue(common.Data), r.GetValue(common.LimitTrain), r.GetValue(common.LimitTest), dir,
                    r.GetValue(resume), r.GetValue(force), r.GetValue(calib), r.GetValue(method), r.GetValue(precision),
                    r.GetValue(common.Threads) ?? Environment.ProcessorCount, App.CommandLine, ConsoleStageObserver.Instance), ct);
                Console.WriteLine(File.ReadAllText(Path.Combine(dir, QatStage.ReportFile)));
                Console.WriteLine($"run folder {dir}: {QatStage.QuantizedFile} is the QAT integer model");
                return ExitCodes.Ok;
            }
            if (r.GetValue(calib) != 512 || r.GetValue(precision) != null || r.GetResult(method) is { Implicit: false })
                throw new EMambaException("--calib, --method and --precision belong to --qat", ExitCodes.Usage);
            var log = TrainStage.Run(new TrainStage.Request(cfg, r.GetValue(common.Data), r.GetValue(common.LimitTrain),
                r.GetValue(common.LimitTest), dir, r.GetValue(resume), r.GetValue(force), !r.GetValue(noTest), App.CommandLine, ConsoleStageObserver.Instance), ct);
            Console.WriteLine($"best epoch {log.BestEpoch}: val {log.MetricName} {log.BestValMetric:F2}; " +
                (log.Test.TryGetValue(log.MetricName, out var tm) ? $"test {log.MetricName} {Figures.Format(log.MetricName, tm)}; " : "") +
                $"{log.TotalTrainSeconds:F0} s training; run folder {dir}");
            return ExitCodes.Ok;
        }));
        return cmd;
    }
}
