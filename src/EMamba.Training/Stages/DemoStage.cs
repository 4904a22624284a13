using System.Diagnostics;
using EMamba.Core;
using EMamba.Core.Integer;
using EMamba.Data;
using EMamba.Engine.Stages;
using EMamba.Reports;
using EMamba.Training.Train;

namespace EMamba.Training.Stages;

/// <summary>The main job on built-in defaults, in two stages that each reuse finished runs:
/// 1. the eMamba operator ablation on one config (fmnist-small by default: exact Mamba, + range norm,
///    + ReLU Delta; fitted PWL SiLU/exp swapped in, then 1 epoch of fine-tuning);
/// 2. the other tasks and the baselines, briefly: a CNN and a ViT on Fashion-MNIST (2 epochs each),
///    MARS radar pose (mars-demo, 20 epochs), a WikiText-2 language model (wikitext2-demo, 1 epoch,
///    scored on the first 64 K test tokens);
/// 3. the integer model: the fine-tuned eMamba model quantized (PTQ, docs/integer.md) and run in the
///    integer engine on the ablation's test split, beside the float model.
/// One report (OutDir/report.md) covers both. Fashion-MNIST itself is not installed here: the data
/// location is a request field (the ./emamba wrapper runs build/setup.sh demo, which installs the Debian package, before the real run).</summary>
public static class DemoStage
{
    /// <summary>The second stage: run folder, preset, epochs.</summary>
    public static readonly (string Dir, string Preset, int Epochs)[] Tasks =
    [
        ("fmnist-cnn-s", "fmnist-cnn-s", 2),
        ("fmnist-vit-s", "fmnist-vit-s", 2),
        ("mars", "mars-demo", 20),
        ("wikitext2", "wikitext2-demo", 1),
    ];

    /// <param name="Config">the operator ablation's config (command-line overrides applied)</param>
    /// <param name="ConfigName">the preset name or config file it came from (the ablation is named by its stem)</param>
    /// <param name="OutDir">folder of the demo's run folders and report</param>
    /// <param name="Data">Fashion-MNIST location of the ablation and the CNN/ViT runs (null: the standard location)</param>
    /// <param name="LimitTrain">sample limits of the runs of the ablation's task (other tasks use their full data)</param>
    /// <param name="EpochCap">caps stage 2's epochs (stage 1 uses <paramref name="Config"/>'s)</param>
    /// <param name="MarsDir">MARS folder; synthetic MARS-shaped data is generated into OutDir when it is absent</param>
    /// <param name="WikiTextDir">WikiText-2 folder; the language-model run is skipped when it is absent</param>
    /// <param name="Fresh">delete OutDir first instead of reusing finished runs</param>
    /// <param name="AblationDone">called with stage 1's rows as soon as they exist, before stage 2 starts
    /// (the console prints the ablation table then, as it always has); progress messages go to the observer</param>
    /// <param name="Hardware">stages 4-5, given the quantized model and the demo folder: generates and co-simulates its
    /// accelerator, reports a stored search study and returns the report's sections. The caller supplies it because Training does not reference
    /// EMamba.Hardware (docs/DESIGN.md); null skips the stage.</param>
    public sealed record Request(RunConfig Config, string ConfigName, string OutDir, string? Data, int? LimitTrain, int? LimitTest, int? EpochCap,
        string MarsDir, string WikiTextDir, bool Fresh, string Command, IStageObserver? Observer = null,
        Action<IReadOnlyList<AblationStage.Row>>? AblationDone = null, Func<string, string, CancellationToken, string>? Hardware = null);

    /// <summary>One stage-2 run: its folder, preset, epochs and log (null when it was skipped for missing data).</summary>
    public sealed record TaskRun(string Dir, string Preset, int Epochs, TrainLog? Log);

    /// <param name="Rows">stage 1's ablation rows; <paramref name="Exact"/> and <paramref name="FineTuned"/> are two of them</param>
    /// <param name="MetricName">the ablation task's metric (accuracy, mae_cm, perplexity)</param>
    /// <param name="Notes">the caveats the report lists under the ablation (short schedules, synthetic MARS, skipped runs)</param>
    /// <param name="Files">files the demo wrote itself: the ablation report and its JSON, then the report, its JSON and plots
    /// (each run folder holds its own files; synthetic MARS data, when generated, is under OutDir/mars-synthetic)</param>
    /// <param name="Integer">stage 3: the quantized model's figures in the integer engine, and its size</param>
    public sealed record Result(IReadOnlyList<AblationStage.Row> Rows, string MetricName, AblationStage.Row Exact, AblationStage.Row FineTuned,
        IntegerRun Integer, IReadOnlyList<TaskRun> Stage2, IReadOnlyList<string> Notes, string AblationReport, string Report, IReadOnlyList<string> Files,
        TimeSpan WallTime, TimeSpan Stage1Time);

    /// <summary>Stage 3's record: the quantized file, its metric and the float model's on the same samples, sizes.</summary>
    public sealed record IntegerRun(string Model, double Metric, double? FloatMetric, double? Agreement, int Samples, long IntBytes, long FloatBytes, double UsPerFrame);

    public static Result Run(Request q, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        var obs = q.Observer ?? SilentStageObserver.Instance;
        var cfg = q.Config;
        string dir = q.OutDir;
        if (q.Fresh && Directory.Exists(dir)) Directory.Delete(dir, recursive: true);

        obs.Info($"demo stage 1: operator ablation, {q.ConfigName}, {cfg.Train.Epochs} epochs per model, into {dir}");
        string ablation = Path.Combine(dir, "ablation.md");
        var rows = AblationStage.Run(new AblationStage.Request(cfg, Path.GetFileNameWithoutExtension(q.ConfigName), dir, q.Data,
            q.LimitTrain, q.LimitTest, [.. Variants.Trained.Keys], 1, ablation, q.Command, Observer: obs), ct);
        q.AblationDone?.Invoke(rows);

        var stage1 = sw.Elapsed;
        obs.Info("demo stage 2: CNN and ViT baselines, MARS, WikiText-2 (short schedules)");
        // Stage 2 is a taste, not the comparison: say so where the figures are.
        var notes = new List<string>
        {
            "Stage 2 uses short schedules (each run's epochs are in its table): the CNN and ViT get " +
            $"{Tasks[0].Epochs} epochs against the Mamba models' {cfg.Train.Epochs}, and MARS and the language model use exact " +
            "operators only, so stage 2 compares nothing on an equal budget. `emamba suite` runs the full comparison, " +
            "exact and eMamba operators on every task, with the baselines on the Mamba preset's budget.",
        };
        var runs = new List<TaskRun>();
        foreach (var (sub, preset, epochs) in Tasks)
        {
            var tcfg = Presets.All[preset];
            tcfg = tcfg with { Train = tcfg.Train with { Epochs = q.EpochCap is int e ? Math.Min(e, epochs) : epochs } };
            string? tdata = tcfg.Model.Task switch { TaskKind.Mars => q.MarsDir, TaskKind.Wikitext2 => q.WikiTextDir, _ => q.Data };
            if (tcfg.Model.Task == TaskKind.Mars && !Directory.Exists(tdata))
            {
                string missing = tdata!;
                tdata = Path.Combine(dir, "mars-synthetic");
                if (!Directory.Exists(tdata)) MarsSynthetic.WriteFolder(tdata, 6000, 1500, 1500, seed: 1);
                notes.Add($"MARS: {missing} is absent, so the MARS row uses synthetic MARS-shaped data ({tdata}); its error says nothing about real radar.");
            }
            if (tcfg.Model.Task == TaskKind.Wikitext2 && !Directory.Exists(tdata))
            {
                notes.Add($"WikiText-2: {tdata} is absent, so the language-model stage was skipped.");
                runs.Add(new TaskRun(Path.Combine(dir, sub), preset, tcfg.Train.Epochs, null));
                continue;
            }
            // The language model is scored on the first 64 K test tokens (the same ones the
            // perplexity-vs-length table reads) to keep the demo short.
            // The sample limits given for the ablation apply to runs of its task only.
            bool sameTask = tcfg.Model.Task == cfg.Model.Task;
            int? tlimit = sameTask ? q.LimitTest : tcfg.Model.Task == TaskKind.Wikitext2 ? LengthEval.Tokens : null;
            var log = AblationStage.TrainOrReuse(tcfg, Path.Combine(dir, sub), tdata, sameTask ? q.LimitTrain : null, tlimit, q.Command, obs, ct);
            runs.Add(new TaskRun(Path.Combine(dir, sub), preset, tcfg.Train.Epochs, log));
        }

        // Stage 3: quantize the fine-tuned model and run it in the integer engine (seconds: no training).
        obs.Info("demo stage 3: INT8 post-training quantization of the fine-tuned model, run in the integer engine");
        string qdir = Path.Combine(dir, "int8"), qmodel = Path.Combine(qdir, "model.q.safetensors");
        Directory.CreateDirectory(qdir);
        var qr = QuantizeStage.Run(new QuantizeStage.Request(Path.Combine(dir, "finetune", RunFolder.BestFile), null, q.Data, 512,
            CalibMethod.Percentile, null, qmodel, q.Command, obs), ct);
        var rr = RunStage.Run(new RunStage.Request(qmodel, "test", q.Data, q.LimitTest, Environment.ProcessorCount, true, obs), ct);
        var integer = new IntegerRun(qmodel, rr.Metric, rr.FloatMetric, rr.Agreement, rr.Samples, qr.Size.Total, qr.FloatBytes, rr.UsPerFrame);
        string unit = rr.MetricName == "accuracy" ? " %" : " cm";
        string intSection = "\n\n## INT8 model in the integer engine (stage 3)\n\n" +
            $"`emamba quantize` (percentile calibration on 512 training samples, docs/integer.md) then `emamba run` on the test split ({rr.Samples:N0} samples):\n\n" +
            "| model | test metric | size |\n|---|---:|---:|\n" +
            $"| eMamba FP32 (float reference) | {rr.FloatMetric:F2}{unit} | {qr.FloatBytes:N0} bytes |\n" +
            $"| eMamba INT8 PTQ, integer engine | {rr.Metric:F2}{unit} | {qr.Size.Total:N0} bytes |\n" +
            (rr.Agreement is double ag ? $"\nThe integer model predicts the float model's class on {ag:F2} % of the samples; {rr.UsPerFrame:F0} us per frame in the engine's fast path on this machine.\n" : "");

        if (q.Hardware != null)
        {
            obs.Info("demo stages 4-5: the accelerator of the INT8 model, generated and co-simulated against the integer engine; then the stored search study");
            intSection += q.Hardware(qmodel, dir, ct);
        }

        string report = Path.Combine(dir, "report.md");
        double total = sw.Elapsed.TotalMinutes;
        var preamble = "## eMamba operators (stage 1)\n\n" + UserFile.ReadAllText(ablation).Split('\n', 2)[1] +
                       string.Concat(notes.Select(n => $"\n- {n}")) +
                       $"\n\nDemo wall time: {total:F1} min (stage 1 {stage1.TotalMinutes:F1} min, stages 2-{(q.Hardware != null ? 5 : 3)} {total - stage1.TotalMinutes:F1} min; " +
                       "stages reused from an earlier run take no time).\n" + intSection;
        var files = CrossRunReport.Build(dir, report, CrossRunReport.Collect(dir, skipped: obs.Info), q.Command, "eMamba.NET demo", preamble);
        var exact = rows[0];
        var tuned = rows.First(x => x.Label.StartsWith("all eMamba ops, fine-tuned", StringComparison.Ordinal));
        return new Result(rows, TaskObjective.For(cfg.Model).MetricName, exact, tuned, integer, runs, notes, ablation, report,
            [ablation, Path.ChangeExtension(ablation, ".json"), .. files], sw.Elapsed, stage1);
    }
}
