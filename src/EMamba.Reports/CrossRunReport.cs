using System.Globalization;
using System.Text;
using System.Text.Json;
using EMamba.Core;
using EMamba.Data;

namespace EMamba.Reports;

/// <summary>One Markdown report over many run folders: a table per task (model, parameters, test
/// metric, epochs, training time), accuracy-vs-parameters plots with every model as a point, and
/// perplexity vs sequence length for language models. Everything comes from the runs' log.json files.</summary>
public static class CrossRunReport
{
    /// <summary>A finished run: its folder and log (runs without a test figure are skipped).</summary>
    public sealed record Entry(string Dir, TrainLog Log)
    {
        public ModelConfig Model => Log.Config.Model;
        public double Test => Log.Test[Log.MetricName];
        public bool IsBaseline => Model.Arch != Arch.Mamba;
        public bool IsEMamba => Variants.IsEMamba(Model);
        public string ShortLabel => Variants.ShortLabel(Model) + (Log.Config.Train.InitFrom != null ? " (ft)" : "");
        public string Label => Variants.Label(Model) + (Log.Config.Train.InitFrom != null ? " (fine-tuned)" : "");
        public string RelativeName { get; init; } = Dir;
        /// <summary>Parameters outside the token embedding table (language models).</summary>
        public long NonEmbedding => Log.Parameters - Model.EmbeddingParameters;
    }

    /// <param name="relativeTo">the folder run names are given relative to (default: <paramref name="root"/>)</param>
    /// <param name="skipped">told each log that is skipped and why</param>
    public static List<Entry> Collect(string root, string? relativeTo = null, Action<string>? skipped = null)
    {
        if (!Directory.Exists(root)) throw new EMambaException($"{root}: runs folder not found", ExitCodes.BadInput);
        var list = new List<Entry>();
        foreach (var path in Directory.EnumerateFiles(root, RunFolder.LogFile, SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            TrainLog log;
            try { log = TrainLog.FromJson(UserFile.ReadAllText(path), path); }
            catch (EMambaException e) { skipped?.Invoke($"skipping {path}: {e.Message}"); continue; }
            if (!log.Test.ContainsKey(log.MetricName)) { skipped?.Invoke($"skipping {path}: no test figure yet (unfinished run?)"); continue; }
            string dir = Path.GetDirectoryName(path)!;
            list.Add(new Entry(dir, log) { RelativeName = Path.GetRelativePath(relativeTo ?? root, dir) });
        }
        return list;
    }

    private static string TaskTitle(TaskKind t) => t switch
    {
        TaskKind.Fmnist => "Fashion-MNIST", TaskKind.Cifar10 => "CIFAR-10", TaskKind.Mars => "MARS (mmWave radar pose)", TaskKind.Wikitext2 => "WikiText-2 (word-level LM)", _ => t.Name(),
    };

    // "6.71 / 3.73 / 6.63", or n/a when the run has no per-axis figures (outputs other than MARS's 57).
    private static string Axes(IReadOnlyDictionary<string, double> test) =>
        RegressionMetrics.AxisNames.All(a => test.ContainsKey($"mae_{a}_cm"))
            ? string.Join(" / ", RegressionMetrics.AxisNames.Select(a => test[$"mae_{a}_cm"].ToString("F2", CultureInfo.InvariantCulture)))
            : "n/a";

    private static string Unit(string metric) => metric switch { "accuracy" => "%", "mae_cm" => "cm", _ => "" };

    /// <summary>The one caveat on training times, for every report that prints them.</summary>
    public const string WallTimeCaveat = "- training time is wall time on the machine the run used, which may have been shared with other jobs; compare it loosely";

    /// <summary>Writes report.md, report.json and the PNGs into <paramref name="outPath"/>'s folder;
    /// returns the paths of the files written (the Markdown first, then the JSON, then the plots).</summary>
    /// <param name="preamble">Markdown placed after the header (the demo puts its ablation table there).</param>
    /// <param name="command">the command line that made the report, quoted in it</param>
    public static IReadOnlyList<string> Build(string root, string outPath, IReadOnlyList<Entry> runs, string command, string title = "eMamba.NET results", string? preamble = null)
    {
        string dir = Path.GetDirectoryName(Path.GetFullPath(outPath))!, stem = Path.GetFileNameWithoutExtension(outPath);
        var plots = new List<string>();
        Directory.CreateDirectory(dir);
        var sb = new StringBuilder();
        sb.AppendLine($"# {title}");
        sb.AppendLine();
        sb.Append(MachineInfo.ProvenanceLines(command));
        sb.AppendLine($"- {runs.Count} finished runs under `{root}`; every figure is the run's own log.json (test split, model selected on validation)");
        sb.AppendLine(WallTimeCaveat);
        if (preamble != null) { sb.AppendLine(); sb.Append(preamble); sb.AppendLine(); sb.AppendLine("## Runs by task"); }
        foreach (var task in Enum.GetValues<TaskKind>())
        {
            var rs = runs.Where(r => r.Model.Task == task).OrderBy(r => r.Log.Parameters).ThenBy(r => r.RelativeName, StringComparer.Ordinal).ToList();
            if (rs.Count == 0) continue;
            string metric = rs[0].Log.MetricName, unit = Unit(metric);
            bool lm = rs[0].Model.Head == Head.Lm;
            sb.AppendLine();
            sb.AppendLine($"## {TaskTitle(task)}");
            sb.AppendLine();
            foreach (var p in rs.Select(r => r.Log.Protocol).Where(p => p != null).Distinct()) sb.AppendLine($"- data: {p}");
            sb.AppendLine();
            // Regression also shows RMSE (MARS reports both).
            bool rmse = metric == "mae_cm";
            sb.AppendLine(lm
                ? "| run | model | parameters | without embedding | test perplexity | without `<unk>` targets | epochs | training s |"
                : $"| run | model | parameters | test {metric}{(unit == "" ? "" : $" ({unit})")} |{(rmse ? " test rmse_cm (cm) | MAE x / y / z (cm) |" : "")} epochs | training s |");
            sb.AppendLine(lm ? "|---|---|---:|---:|---:|---:|---:|---:|" : rmse ? "|---|---|---:|---:|---:|---:|---:|---:|" : "|---|---|---:|---:|---:|---:|");
            foreach (var r in rs)
            {
                string extra = lm ? string.Create(CultureInfo.InvariantCulture, $" {r.NonEmbedding:N0} |")
                    : rmse ? string.Create(CultureInfo.InvariantCulture, $" {r.Log.Test.GetValueOrDefault("rmse_cm", double.NaN):F2} | {Axes(r.Log.Test)} |") : "";
                string cells = lm
                    ? string.Create(CultureInfo.InvariantCulture, $"{extra} {r.Test:F2} | {(r.Log.Test.TryGetValue("ppl_known", out var k) ? k.ToString("F2", CultureInfo.InvariantCulture) : "n/a")} |")
                    : string.Create(CultureInfo.InvariantCulture, $" {r.Test:F2} |{extra}");
                sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"| `{r.RelativeName}` | {r.Label} | {r.Log.Parameters:N0} |{cells} {r.Log.Epochs.Count} | {r.Log.TotalTrainSeconds:F0} |"));
            }
            string paramsPng = $"{stem}-{task.Name()}-params.png";
            ReportPlot.MetricVsParameters(Path.Combine(dir, paramsPng), TaskTitle(task), metric,
                rs.Select(r => (r.ShortLabel, (double)r.Log.Parameters, r.Test, r.IsBaseline)).ToList());
            plots.Add(Path.Combine(dir, paramsPng));
            sb.AppendLine();
            sb.AppendLine($"![{metric} vs parameters]({paramsPng})");
            sb.AppendLine();
            if (!lm)
                sb.AppendLine(Compare(rs, metric));
            else
            {
                var lengths = LengthEval.DefaultLengths.Where(L => rs.Any(r => r.Log.Test.ContainsKey($"ppl_{L}"))).ToArray();
                if (lengths.Length > 0)
                {
                    sb.AppendLine();
                    sb.AppendLine($"Perplexity vs sequence length (the first {LengthEval.Tokens:N0} test tokens cut into sequences of each length, each read from a fresh state; Mamba streams them in constant memory):");
                    sb.AppendLine();
                    sb.AppendLine("| run | " + string.Join(" | ", lengths) + " | 4096 vs 512 |");
                    sb.AppendLine("|---|" + string.Concat(lengths.Select(_ => "---:|")) + "---:|");
                    foreach (var r in rs)
                    {
                        string Cell(int L) => r.Log.Test.TryGetValue($"ppl_{L}", out var v) ? v.ToString("F2", CultureInfo.InvariantCulture) : "n/a";
                        string ratio = r.Log.Test.TryGetValue("ppl_4096", out var a) && r.Log.Test.TryGetValue("ppl_512", out var b)
                            ? $"{(a / b - 1) * 100:+0.0;-0.0} %" : "n/a";
                        sb.AppendLine($"| `{r.RelativeName}` ({r.Label}) | " + string.Join(" | ", lengths.Select(Cell)) + $" | {ratio} |");
                    }
                    string png = $"{stem}-{task.Name()}-lengths.png";
                    ReportPlot.PerplexityVsLength(Path.Combine(dir, png), rs.Select(r => ($"{r.ShortLabel}: {r.RelativeName}",
                        lengths.Where(L => r.Log.Test.ContainsKey($"ppl_{L}")).Select(L => ((double)L, r.Log.Test[$"ppl_{L}"])).ToList())).ToList());
                    plots.Add(Path.Combine(dir, png));
                    sb.AppendLine();
                    sb.AppendLine($"![perplexity vs sequence length]({png})");
                    sb.AppendLine();
                    sb.AppendLine(CompareLengths(rs, lengths));
                }
                if (rs.Select(r => r.Log.Test.GetValueOrDefault("unk_percent", double.NaN)).FirstOrDefault(double.IsFinite) is var u && double.IsFinite(u))
                    sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                        $"\n`<unk>` is {u:F1} % of the test targets; words outside the training vocabulary all read as it, which lowers plain perplexity, so the table also gives it without them."));
            }
        }
        AtomicFile.WriteAllText(Path.Combine(dir, stem + ".md"), sb.ToString());
        AtomicFile.WriteAllText(Path.Combine(dir, stem + ".json"), JsonSerializer.Serialize(runs.Select(r => new
        {
            run = r.RelativeName, task = r.Model.Task, model = r.Label, arch = r.Model.Arch, parameters = r.Log.Parameters,
            non_embedding_parameters = r.NonEmbedding, metric = r.Log.MetricName, test = r.Log.Test, epochs = r.Log.Epochs.Count,
            train_seconds = r.Log.TotalTrainSeconds, protocol = r.Log.Protocol,
        }), RunConfig.Json));
        return [Path.Combine(dir, stem + ".md"), Path.Combine(dir, stem + ".json"), .. plots];
    }

    /// <summary>eMamba's perplexity relative to exact Mamba's at each length (the best of each by test
    /// perplexity), and the largest deviation either way.</summary>
    private static string CompareLengths(List<Entry> rs, int[] lengths)
    {
        var exact = rs.Where(r => r.Label == "Mamba (exact ops)").MinBy(r => r.Test);
        var ours = rs.Where(r => r.IsEMamba).MinBy(r => r.Test);
        if (exact is null || ours is null) return "(no eMamba-vs-exact comparison: runs of both kinds are needed)";
        var inv = CultureInfo.InvariantCulture;
        var ratios = lengths.Where(L => exact.Log.Test.ContainsKey($"ppl_{L}") && ours.Log.Test.ContainsKey($"ppl_{L}"))
            .Select(L => (L, R: ours.Log.Test[$"ppl_{L}"] / exact.Log.Test[$"ppl_{L}"])).ToList();
        if (ratios.Count == 0) return "(no length shared by the eMamba and exact runs)";
        var worst = ratios.MaxBy(x => Math.Abs(x.R - 1));
        string list = string.Join(", ", ratios.Select(x => x.L + ": " + x.R.ToString("F3", inv)));
        return $"{ours.Label} (`{ours.RelativeName}`) vs exact Mamba (`{exact.RelativeName}`), perplexity ratio per length: {list}. " +
            $"Largest deviation: **{((worst.R - 1) * 100).ToString("+0.0;-0.0", inv)} %** at {worst.L}.";
    }

    /// <summary>The parameter comparison the paper makes: the best eMamba (else best Mamba) run against
    /// the smallest baseline that comes within half a point (or half a cm) of it.</summary>
    private static string Compare(List<Entry> rs, string metric)
    {
        bool higher = rs[0].Log.HigherIsBetter;
        double Score(Entry e) => higher ? e.Test : -e.Test;
        var ours = rs.Where(r => r.IsEMamba).OrderByDescending(Score).FirstOrDefault()
                   ?? rs.Where(r => !r.IsBaseline).OrderByDescending(Score).FirstOrDefault();
        var baselines = rs.Where(r => r.IsBaseline).ToList();
        if (ours is null || baselines.Count == 0) return "(no eMamba-vs-baseline comparison: runs of both kinds are needed)";
        string unit = metric == "accuracy" ? "points" : "cm";
        var close = baselines.Where(b => Score(b) >= Score(ours) - 0.5).OrderBy(b => b.Log.Parameters).FirstOrDefault();
        var inv = CultureInfo.InvariantCulture;
        if (close is null)
            return string.Create(inv, $"{ours.Label} (`{ours.RelativeName}`, {ours.Log.Parameters:N0} parameters, {ours.Test:F2}): no baseline here comes within 0.5 {unit} of it.");
        return string.Create(inv, $"{ours.Label} (`{ours.RelativeName}`): {ours.Test:F2} with {ours.Log.Parameters:N0} parameters. The smallest baseline within 0.5 {unit} " +
            $"is {close.Label} `{close.RelativeName}`: {close.Test:F2} with {close.Log.Parameters:N0} parameters, " +
            $"**{(double)close.Log.Parameters / ours.Log.Parameters:F2}x** the parameters of {ours.Label}.");
    }
}
