using System.Globalization;
using System.Text;
using System.Text.Json;
using EMamba.Core;
using EMamba.Core.Approx;
using EMamba.Reports;
using EMamba.Search.Space;
using EMamba.Search.Storage;
using Objective = EMamba.Search.Space.Objective;
using EMamba.Training.Checkpoints;

namespace EMamba.Search.Runner;

/// <summary><c>emamba search report</c>: the study's Pareto front (complete trials that meet the constraints) as
/// a table and plots of the metric against params, cycles, energy and area, the hypervolume over trials beside any
/// baseline studies (random search), the chosen model (the front's best metric) with its config and tables, and
/// the commands that quantize it and generate its hardware. Markdown, JSON and PNGs in one folder.</summary>
public static class StudyReport
{
    public sealed record Result(string Markdown, int Front, int? Chosen);

    /// <param name="knots">the chosen model under each knot placement (<see cref="KnotComparison"/>), or null when not asked for</param>
    public static Result Write(Study study, IReadOnlyList<Study> baselines, IReadOnlyList<HandChosen> hand, IReadOnlyList<KnotComparison.Row>? knots, string outDir, string? data, string command)
    {
        foreach (var b in baselines)
            if (!b.Space.Objectives.SequenceEqual(study.Space.Objectives))
                throw new EMambaException($"baseline study '{b.Name}' has objectives ({string.Join(", ", b.Space.Objectives.Select(o => Objective.Name(o.Kind)))}) " +
                                          $"unlike '{study.Name}' ({string.Join(", ", study.Space.Objectives.Select(o => Objective.Name(o.Kind)))}): its trials cannot be compared", ExitCodes.Usage);
        Directory.CreateDirectory(outDir);
        var trials = study.Storage.Trials(study.Name);
        var objs = study.Space.Objectives;
        var done = Feasible(study, trials);
        var front = done.Count == 0 ? [] : Nsga2.Fronts([.. done.Select(t => Minimised(study, t))])[0].Select(i => done[i]).OrderBy(t => t.Number).ToList();
        var best = StudySummary.Best(study, trials);
        var sb = new StringBuilder();
        sb.AppendLine($"# Search study '{study.Name}'");
        sb.AppendLine();
        sb.Append(MachineInfo.ProvenanceLines(command));
        sb.AppendLine($"- storage: `{study.Storage.Location}`; sampler {study.Space.Sampler.Kind.ToString().ToLowerInvariant()}, seed {study.Seed}; " +
                      $"ASHA rungs at epochs {string.Join(", ", study.Space.Budget.Asha.Rungs())}, completion at {study.Space.Budget.MaxEpochs}");
        sb.AppendLine($"- trials: {trials.Count} ({StudySummary.Counts(trials)}); objectives {string.Join(", ", objs.Select(o => $"{Objective.Name(o.Kind)} ({o.Direction.ToString().ToLowerInvariant()})"))}" +
                      (study.Space.Constraints.Count > 0 ? $"; constraints {string.Join(", ", study.Space.Constraints.Select(c => $"{c.Key} {c.Limit.ToString(CultureInfo.InvariantCulture)}"))}" : ""));
        sb.AppendLine("- metrics are on the validation split (the search selects on it; score the chosen model on test with `emamba run`); cycles are the cycle model's (= RTL), energy and area are estimated by the cost model (docs/cost.md)");
        sb.AppendLine();
        sb.AppendLine($"## Pareto front ({front.Count} of {done.Count} complete trials within the constraints)");
        sb.AppendLine();
        sb.AppendLine($"| trial | {string.Join(" | ", objs.Select(o => Objective.Name(o.Kind)))} | parameters of the candidate |");
        sb.AppendLine($"|---:|{string.Concat(objs.Select(_ => "---:|"))}---|");
        foreach (var t in front) sb.AppendLine($"| {t.Number} | {string.Join(" | ", t.Values!.Select(Num))} | {Params(t)} |");
        sb.AppendLine();
        var pool = Pool(done, baselines);
        if (hand.Count > 0) HandSection(sb, objs, hand, pool);

        var plots = new List<string>();
        int mi = Index(objs, ObjectiveKind.MetricInt8);
        if (mi >= 0 && done.Count > 0)
            foreach (var kind in new[] { ObjectiveKind.Params, ObjectiveKind.Cycles, ObjectiveKind.Energy, ObjectiveKind.Area })
            {
                int xi = Index(objs, kind);
                if (xi < 0) continue;
                string png = $"metric-vs-{Objective.Name(kind)}.png";
                SearchPlot.Scatter(Path.Combine(outDir, png), $"{study.Name}: metric_int8 vs {Objective.Name(kind)}", Objective.Name(kind), "metric_int8 (validation)",
                    [.. done.Select(t => (t.Values![xi], t.Values![mi], front.Contains(t)))], [.. hand.Select(h => (h.Label, h.Values[xi], h.Values[mi]))]);
                plots.Add(png);
                sb.AppendLine($"![metric vs {Objective.Name(kind)}]({png})");
            }
        sb.AppendLine();

        var hv = Hypervolumes(study, baselines);
        if (hv != null)
        {
            SearchPlot.Lines(Path.Combine(outDir, "hypervolume.png"), $"{study.Name}: hypervolume over trials", "hypervolume (minimised objectives)", [.. hv.Select(h => (h.Study, h.Values))]);
            sb.AppendLine("## Hypervolume over trials");
            sb.AppendLine();
            sb.AppendLine("Of the complete trials within the constraints, objectives minimised (accuracy negated), against a reference 10 % beyond the worst value of each over all studies shown.");
            sb.AppendLine();
            var wall = new[] { study }.Concat(baselines).ToDictionary(x => x.Name, x => StudySummary.WallMinutes(x.Storage.Trials(x.Name)));
            sb.AppendLine("| study | trials | wall time (min, first start to last finish) | final hypervolume |");
            sb.AppendLine("|---|---:|---:|---:|");
            foreach (var h in hv)
                sb.AppendLine($"| {h.Study} | {h.Values.Length} | {(wall[h.Study] is double w ? w.ToString("F0", CultureInfo.InvariantCulture) : "-")} | {(h.Values.Length > 0 ? Num(h.Values[^1]) : "-")} |");
            var finals = hv.Skip(1).Where(h => h.Values.Length > 0).Select(h => h.Values[^1]).ToList();
            if (finals.Count >= 2) sb.AppendLine($"| baselines, mean of {finals.Count} | | | {Num(finals.Average())} |");
            sb.AppendLine();
            sb.AppendLine("![hypervolume](hypervolume.png)");
            sb.AppendLine();
        }

        sb.AppendLine("## All trials");
        sb.AppendLine();
        sb.AppendLine($"| trial | state | {string.Join(" | ", objs.Select(o => Objective.Name(o.Kind)))} | epochs | message |");
        sb.AppendLine($"|---:|---|{string.Concat(objs.Select(_ => "---:|"))}---:|---|");
        foreach (var t in trials)
            sb.AppendLine($"| {t.Number}{(t.RetryOf is int r ? $" (retry of {r})" : "")} | {t.State.ToString().ToLowerInvariant()} | " +
                          $"{string.Join(" | ", objs.Select((_, i) => t.Values is { } v ? Num(v[i]) : "-"))} | {(t.Reports.Count > 0 ? t.Reports.Keys.Max() : 0)} | {(t.Message ?? "").Replace("|", "/")} |");
        sb.AppendLine();
        if (best != null) Chosen(sb, study, best, trials, data, outDir);
        if (best != null && knots != null) KnotSection(sb, study, best, knots);
        File.WriteAllText(Path.Combine(outDir, "report.md"), sb.ToString());
        var json = new
        {
            study = study.Name, storage = study.Storage.Location, objectives = objs.Select(o => new { name = Objective.Name(o.Kind), direction = o.Direction.ToString().ToLowerInvariant() }),
            trials = trials.Select(t => new { number = t.Number, state = t.State.ToString().ToLowerInvariant(), @params = JsonDocument.Parse(t.Params.ToJson()).RootElement, values = t.Values, t.Message, retry_of = t.RetryOf,
                reports = t.Reports.ToDictionary(kv => kv.Key.ToString(CultureInfo.InvariantCulture), kv => kv.Value) }),
            front = front.Select(t => t.Number), chosen = best?.Number, plots,
            hand_chosen = hand.Select(h => new { label = h.Label, model = h.Model, values = h.Values,
                beaten_by = pool.Where(t => h.BeatenBy(objs, t.Values, strict: false)).Select(t => t.Label),
                dominated_by = pool.Where(t => h.BeatenBy(objs, t.Values, strict: true)).Select(t => t.Label) }),
            hypervolume = hv?.Select(h => new { study = h.Study, values = h.Values }),
            knots = knots?.Select(k => new { placement = k.Placement.ToString().ToLowerInvariant(), searched = k.Searched, metric_fp32 = k.MetricFp32, metric_int8 = k.MetricInt8 }),
        };
        File.WriteAllText(Path.Combine(outDir, "report.json"), JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));
        return new Result(sb.ToString(), front.Count, best?.Number);
    }

    /// <summary>The complete trials within the constraints that a hand-chosen model is held against: this study's by
    /// number, then the baselines' as study:number (a random search that beats the hand-chosen model is worth knowing).</summary>
    private static List<(string Label, double[] Values)> Pool(List<Trial> done, IReadOnlyList<Study> baselines) =>
        [.. done.Select(t => (t.Number.ToString(CultureInfo.InvariantCulture), t.Values!))
            .Concat(baselines.SelectMany(b => Feasible(b, b.Storage.Trials(b.Name)).Select(t => ($"{b.Name}:{t.Number}", t.Values!))))];

    /// <summary>Each hand-chosen model's objectives and the complete trials within the constraints that beat it
    /// (issue 19: at least as good a metric with fewer parameters or cycles) or dominate it on every objective.</summary>
    private static void HandSection(StringBuilder sb, IReadOnlyList<Objective> objs, IReadOnlyList<HandChosen> hand, List<(string Label, double[] Values)> pool)
    {
        sb.AppendLine("## Against the hand-chosen configs");
        sb.AppendLine();
        sb.AppendLine("Scored like a complete trial: the quantized model on the validation split in the integer engine, parameters with the PWL knots and values, hardware on the study's accelerator config. " +
                      $"\"Beaten by\": complete trials within the constraints at least as good on {Objective.Name(objs[0].Kind)} with fewer parameters or cycles; \"dominated by\": at least as good on every objective and better on one. " +
                      "Trials of this study by number; a baseline study's as study:number.");
        sb.AppendLine();
        sb.AppendLine($"| model | {string.Join(" | ", objs.Select(o => Objective.Name(o.Kind)))} | beaten by | dominated by |");
        sb.AppendLine($"|---|{string.Concat(objs.Select(_ => "---:|"))}---|---|");
        foreach (var h in hand)
        {
            string List(bool strict) => pool.Where(t => h.BeatenBy(objs, t.Values, strict)).Select(t => t.Label) is var l && l.Any() ? string.Join(", ", l) : "none";
            sb.AppendLine($"| {h.Label} (`{Path.GetFileName(h.Model)}`) | {string.Join(" | ", h.Values.Select(Num))} | {List(false)} | {List(true)} |");
        }
        sb.AppendLine();
    }

    private static void KnotSection(StringBuilder sb, Study study, Trial best, IReadOnlyList<KnotComparison.Row> knots)
    {
        sb.AppendLine();
        sb.AppendLine($"## Knot placement on the chosen model (trial {best.Number})");
        sb.AppendLine();
        sb.AppendLine("The trial's trained checkpoint with SiLU and exp tables of the same segments and input ranges, the same precision; " +
                      "float with the tables and INT8 in the integer engine, on the validation split. Nothing is retrained, so a fine-tuned row appears only when the trial fine-tuned, " +
                      "and its weights are the fine-tuned ones (fine-tuning trains the weights with the tables in the loop).");
        sb.AppendLine();
        sb.AppendLine("| knots | metric_fp32 | metric_int8 | INT8 vs the searched knots |");
        sb.AppendLine("|---|---:|---:|---:|");
        double s = knots.First(k => k.Searched).MetricInt8;
        foreach (var k in knots)
            sb.AppendLine($"| {k.Placement.ToString().ToLowerInvariant()}{(k.Searched ? " (searched)" : "")} | {Num(k.MetricFp32)} | {Num(k.MetricInt8)} | " +
                          $"{(k.Searched ? "-" : (k.MetricInt8 - s).ToString("+0.####;-0.####;0", CultureInfo.InvariantCulture))} |");
        sb.AppendLine();
        sb.AppendLine($"The study {(study.Space.Objectives[0].Direction == Direction.Minimize ? "minimises" : "maximises")} {Objective.Name(study.Space.Objectives[0].Kind)}.");
    }

    private static void Chosen(StringBuilder sb, Study study, Trial best, IReadOnlyList<Trial> trials, string? data, string outDir)
    {
        string dir = study.TrialDir(Study.Root(best, trials));
        var c = study.Space.Apply(new Candidate(Study.Values(best))).Config!;
        bool tuned = c.Approx.Placement == KnotPlacement.FineTuned;
        string model = tuned ? Path.Combine(dir, CandidateScoring.FineTuneDir, RunFolder.BestFile) : Path.Combine(dir, RunFolder.BestFile);
        string approx = Path.Combine(dir, CandidateScoring.ApproxFileName), precision = Path.Combine(dir, CandidateScoring.PrecisionFileName);
        sb.AppendLine($"## Chosen model: trial {best.Number} (the best {Objective.Name(study.Space.Objectives[0].Kind)} within the constraints)");
        sb.AppendLine();
        sb.AppendLine($"- parameters: {Params(best)}; folder `{dir}`; {c.Parameters:N0} parameters with the tables; knots {c.Approx.Placement.ToString().ToLowerInvariant()}" + (tuned ? $" ({c.Approx.FineTuneEpochs} fine-tuning epochs)" : ""));
        sb.AppendLine();
        sb.AppendLine("Model config:");
        sb.AppendLine();
        sb.AppendLine("```json");
        sb.AppendLine(c.Run.ToJson());
        sb.AppendLine("```");
        sb.AppendLine();
        IReadOnlyDictionary<PwlFunction, PwlTable>? tables = null;
        if (tuned && File.Exists(model)) { var ck = Checkpoint.Load(model); tables = PwlFunctions.All.ToDictionary(f => f, f => ModelLoader.TableIn(ck, f)); }
        else if (File.Exists(approx)) tables = ApproxFile.Load(approx).Tables;
        if (tables != null)
            foreach (var (f, t) in tables)
            {
                sb.AppendLine($"{f.Name()} ({t.Segments} segments{(tuned ? ", fine-tuned" : "")}):");
                sb.AppendLine();
                sb.AppendLine("| knot | " + string.Join(" | ", t.Knots.Select(k => k.ToString("G4", CultureInfo.InvariantCulture))) + " |");
                sb.AppendLine("|---|" + string.Concat(t.Knots.Select(_ => "---:|")));
                sb.AppendLine("| value | " + string.Join(" | ", t.Values.Select(k => k.ToString("G4", CultureInfo.InvariantCulture))) + " |");
                sb.AppendLine();
            }
        string d = data is null ? "" : $" --data {data}";
        sb.AppendLine("Quantize it and generate its hardware:");
        sb.AppendLine();
        sb.AppendLine("```");
        sb.AppendLine($"emamba quantize --model {model}{(tuned ? "" : $" --approx {approx}")} --precision {precision}{d} --out chosen.q.safetensors");
        string config = "";
        if (study.Space.AcceleratorConfig is { } accel)
        {
            // The study holds the config itself (not its path), so the report carries a copy for the command.
            string file = Path.Combine(outDir, "accelerator.json");
            File.WriteAllText(file, accel.ToJson());
            config = $" --config {file}";
        }
        sb.AppendLine($"emamba hw gen --model chosen.q.safetensors{config} --out chosen-rtl");
        sb.AppendLine("```");
    }

    private static List<Trial> Feasible(Study study, IReadOnlyList<Trial> trials) =>
        [.. trials.Where(t => t.State == TrialState.Complete && t.Values != null && study.Violation(t, Study.Values(t)) == 0).OrderBy(t => t.Number)];

    private static double[] Minimised(Study study, Trial t) => [.. study.Space.Objectives.Select((o, i) => o.Minimised(t.Values![i]))];

    /// <summary>Hypervolume after each finished trial (in number order) per study; null above three objectives.</summary>
    private static List<(string Study, double[] Values)>? Hypervolumes(Study study, IReadOnlyList<Study> baselines)
    {
        if (study.Space.Objectives.Count is < 2 or > 3) return null;
        var studies = new[] { study }.Concat(baselines).ToList();
        var all = studies.Select(s => (s, trials: s.Storage.Trials(s.Name).Where(t => t.State.IsFinished()).OrderBy(t => t.Number).ToList())).ToList();
        var points = all.SelectMany(x => Feasible(x.s, x.trials).Select(t => Minimised(study, t))).ToList();
        if (points.Count == 0) return null;
        int n = study.Space.Objectives.Count;
        var reference = Enumerable.Range(0, n).Select(i =>
        {
            double lo = points.Min(p => p[i]), hi = points.Max(p => p[i]);
            return hi + Math.Max(0.1 * (hi - lo), 1e-9 + 0.1 * Math.Abs(hi));
        }).ToArray();
        return [.. all.Select(x =>
        {
            var feasible = Feasible(x.s, x.trials).ToHashSet();
            var seen = new List<double[]>();
            return (x.s.Name, x.trials.Select(t => { if (feasible.Contains(t)) seen.Add(Minimised(study, t)); return Hypervolume.Of(seen, reference); }).ToArray());
        })];
    }

    private static int Index(IReadOnlyList<Objective> objs, ObjectiveKind k) => objs.ToList().FindIndex(o => o.Kind == k);

    private static string Params(Trial t) => string.Join(", ", t.Params.Select(p => $"{p.Key}={p.Value.GetRawText().Trim('"')}"));

    private static string Num(double v) => v.ToString("G5", CultureInfo.InvariantCulture);
}
