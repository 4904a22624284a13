using System.CommandLine;
using System.Diagnostics;
using EMamba.Core;
using EMamba.Data;
using EMamba.Reports;
using EMamba.Training.Stages;
using Spectre.Console;
using EMamba.Training.Scan;
using EMamba.Training.Train;

namespace EMamba.Cli;

/// <summary>The main job on built-in defaults, in two stages that each reuse finished runs:
/// 1. the eMamba operator ablation on fmnist-small (exact Mamba, + range norm, + ReLU Delta, 6
///    epochs each; fitted PWL SiLU/exp swapped in, then 1 epoch of fine-tuning);
/// 2. the other tasks and the baselines, briefly: a CNN and a ViT on Fashion-MNIST (2 epochs each),
///    MARS radar pose (mars-demo, 20 epochs), a WikiText-2 language model (wikitext2-demo, 1 epoch,
///    scored on the first 64 K test tokens).
/// One report (runs/demo/report.md) covers both.</summary>
public static class DemoCommand
{
    /// <summary>The second stage: run folder, preset, epochs.</summary>
    public static readonly (string Dir, string Preset, int Epochs)[] Tasks =
    [
        ("fmnist-cnn-s", "fmnist-cnn-s", 2),
        ("fmnist-vit-s", "fmnist-vit-s", 2),
        ("mars", "mars-demo", 20),
        ("wikitext2", "wikitext2-demo", 1),
    ];

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
            var sw = Stopwatch.StartNew();
            common.SetThreads(r);
            string cfgName = r.GetValue(config)!;
            var cfg = common.Apply(r, Presets.Resolve(cfgName), cfgName);
            string dir = r.GetValue(outDir)!;
            if (r.GetValue(fresh) && Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
            string? data = r.GetValue(common.Data);
            int? limitTrain = r.GetValue(common.LimitTrain), limitTest = r.GetValue(common.LimitTest);

            App.Info($"demo stage 1: operator ablation, {cfgName}, {cfg.Train.Epochs} epochs per model, into {dir}");
            string ablation = Path.Combine(dir, "ablation.md");
            var rows = AblationStage.Run(new AblationStage.Request(cfg, Path.GetFileNameWithoutExtension(cfgName), dir, data,
                limitTrain, limitTest, [.. Variants.Trained.Keys], 1, ablation, App.CommandLine, Observer: ConsoleStageObserver.Instance), ct);
            AnsiConsole.Write(ResultTables.Ablation(rows, TaskObjective.For(cfg.Model).MetricName));

            double stage1 = sw.Elapsed.TotalMinutes;
            App.Info("demo stage 2: CNN and ViT baselines, MARS, WikiText-2 (short schedules)");
            // Stage 2 is a taste, not the comparison: say so where the figures are.
            var notes = new List<string>
            {
                "Stage 2 uses short schedules (each run's epochs are in its table): the CNN and ViT get " +
                $"{Tasks[0].Epochs} epochs against the Mamba models' {cfg.Train.Epochs}, and MARS and the language model use exact " +
                "operators only, so stage 2 compares nothing on an equal budget. `emamba suite` runs the full comparison, " +
                "exact and eMamba operators on every task, with the baselines on the Mamba preset's budget.",
            };
            foreach (var (sub, preset, epochs) in Tasks)
            {
                var tcfg = Presets.All[preset];
                tcfg = tcfg with { Train = tcfg.Train with { Epochs = r.GetValue(common.Epochs) is int e ? Math.Min(e, epochs) : epochs } };
                string? tdata = tcfg.Model.Task.Name() switch { "mars" => r.GetValue(marsDir), "wikitext2" => r.GetValue(wikiDir), _ => data };
                if (tcfg.Model.Task.Name() == "mars" && !Directory.Exists(tdata))
                {
                    string missing = tdata!;
                    tdata = Path.Combine(dir, "mars-synthetic");
                    if (!Directory.Exists(tdata)) MarsSynthetic.WriteFolder(tdata, 6000, 1500, 1500, seed: 1);
                    notes.Add($"MARS: {missing} is absent, so the MARS row uses synthetic MARS-shaped data ({tdata}); its error says nothing about real radar.");
                }
                if (tcfg.Model.Task.Name() == "wikitext2" && !Directory.Exists(tdata))
                {
                    notes.Add($"WikiText-2: {tdata} is absent, so the language-model stage was skipped.");
                    continue;
                }
                // The language model is scored on the first 64 K test tokens (the same ones the
                // perplexity-vs-length table reads) to keep the demo short.
                // The sample limits given for the ablation apply to runs of its task only.
                bool sameTask = tcfg.Model.Task == cfg.Model.Task;
                int? tlimit = sameTask ? limitTest : tcfg.Model.Task.Name() == "wikitext2" ? LengthEval.Tokens : null;
                AblationStage.TrainOrReuse(tcfg, Path.Combine(dir, sub), tdata, sameTask ? limitTrain : null, tlimit, App.CommandLine, ConsoleStageObserver.Instance, ct);
            }

            string report = Path.Combine(dir, "report.md");
            var preamble = "## eMamba operators (stage 1)\n\n" + UserFile.ReadAllText(ablation).Split('\n', 2)[1] +
                           string.Concat(notes.Select(n => $"\n- {n}")) +
                           $"\n\nDemo wall time: {sw.Elapsed.TotalMinutes:F1} min (stage 1 {stage1:F1} min, stage 2 {sw.Elapsed.TotalMinutes - stage1:F1} min; " +
                           "stages reused from an earlier run take no time).\n";
            CrossRunReport.Build(dir, report, CrossRunReport.Collect(dir, skipped: App.Info), App.CommandLine, "eMamba.NET demo", preamble);
            var exact = rows[0];
            var tuned = rows.First(x => x.Label.StartsWith("all eMamba ops, fine-tuned"));
            Console.WriteLine($"demo done in {sw.Elapsed.TotalMinutes:F1} min (stage 1 {stage1:F1}): exact Mamba {exact.Test:F2} %, all eMamba operators (fine-tuned) {tuned.Test:F2} % " +
                              $"with {tuned.Parameters:N0} parameters; report: {report}");
            return ExitCodes.Ok;
        }));
        return cmd;
    }
}
