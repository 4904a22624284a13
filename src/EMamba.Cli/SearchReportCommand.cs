using System.CommandLine;
using EMamba.Core;
using EMamba.Search.Runner;
using EMamba.Search.Storage;

namespace EMamba.Cli;

/// <summary><c>emamba search report</c>: a study's front, plots, hypervolume against baselines and the chosen model.</summary>
public static class SearchReportCommand
{
    public static Command Create()
    {
        var study = SearchCommand.StudyOption();
        var storage = SearchCommand.StorageOption();
        var dir = SearchCommand.DirOption();
        var output = new Option<string?>("--out") { Description = "Folder for report.md, report.json and the PNGs (default: <--dir>/report)." };
        var baseline = new Option<string[]>("--baseline") { Description = "Studies to compare hypervolume with (random-search runs), in the same storage or their default one.", AllowMultipleArgumentsPerToken = true };
        var data = new Option<string?>("--data") { Description = "Data set location (the hand-chosen models' validation split; written into the quantize command line)." };
        var hand = new Option<string[]>("--hand") { Description = "Hand-chosen models to compare with, as LABEL=FILE.q.safetensors (an 'emamba quantize' output), scored like a complete trial.", AllowMultipleArgumentsPerToken = true };
        var knots = new Option<bool>("--knots") { Description = "Also score the chosen model with uniform and fitted knots beside the searched ones, float and INT8 (quantizes once per placement; cached in the trial folder)." };
        var cmd = new Command("report", "Write a study's report: the Pareto front as a table and PNGs, hypervolume over trials against baselines, the chosen model's config and tables, and the commands to quantize it and generate its hardware.");
        foreach (var o in new Option[] { study, storage, dir, output, baseline, data, hand, knots }) cmd.Options.Add(o);
        cmd.SetAction(r => App.Guard(ct =>
        {
            string name = r.GetValue(study)!, folder = r.GetValue(dir) ?? SearchCommand.DefaultDir(name);
            string? url = r.GetValue(storage);
            url ??= SearchCommand.DefaultStorage(folder);
            string file = url.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase) ? url["sqlite:".Length..] : url;
            if (r.GetValue(storage) is null && !File.Exists(file))
                throw new EMambaException($"no study '{name}': {file} does not exist (pass --storage if it lives elsewhere)", ExitCodes.BadInput);
            using var st = StudyStorage.Open(url);
            var s = Study.Load(st, name, folder);
            var opened = new List<IStudyStorage>();
            try
            {
                var baselines = (r.GetValue(baseline) ?? []).Select(b =>
                {
                    if (st.LoadStudy(b) != null) return Study.Load(st, b, SearchCommand.DefaultDir(b));
                    // A study file beside this one named after the baseline (models/search/mars-random-2.db), else its default place.
                    string sibling = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(file)) ?? ".", b + ".db");
                    bool local = !url.StartsWith("postgres", StringComparison.OrdinalIgnoreCase);
                    string fallback = SearchCommand.DefaultStudyFile(SearchCommand.DefaultDir(b));
                    // Looking a study up must not leave an empty database behind (opening SQLite creates the file).
                    string found = local && File.Exists(sibling) ? sibling : File.Exists(fallback) ? fallback
                        : throw new EMambaException($"--baseline {b}: no such study in {(local ? file : "the PostgreSQL storage")}, and neither {sibling} nor {fallback} exists", ExitCodes.BadInput);
                    var other = StudyStorage.Open("sqlite:" + found);
                    opened.Add(other);
                    return Study.Load(other, b, SearchCommand.DefaultDir(b));
                }).ToList();
                var hands = (r.GetValue(hand) ?? []).Select(h =>
                {
                    int eq = h.IndexOf('=');
                    if (eq <= 0 || eq == h.Length - 1) throw new EMambaException($"--hand '{h}': give LABEL=FILE.q.safetensors", ExitCodes.Usage);
                    App.Info($"scoring hand-chosen {h[..eq]} on the validation split");
                    return HandChosen.Score(s, h[..eq], h[(eq + 1)..], r.GetValue(data), Environment.ProcessorCount, ct);
                }).ToList();
                string outDir = r.GetValue(output) ?? Path.Combine(folder, "report");
                IReadOnlyList<KnotComparison.Row>? knotRows = null;
                if (r.GetValue(knots))
                {
                    var trials = st.Trials(name);
                    var best = StudySummary.Best(s, trials) ?? throw new EMambaException($"study '{name}' has no complete trial within its constraints, so --knots has no model to score", ExitCodes.BadInput);
                    App.Info($"scoring trial {best.Number} with each knot placement on the validation split");
                    knotRows = KnotComparison.Of(s, best, trials, r.GetValue(data), Environment.ProcessorCount, ct);
                }
                var res = StudyReport.Write(s, baselines, hands, knotRows, outDir, r.GetValue(data), App.CommandLine);
                Console.WriteLine($"wrote {Path.Combine(outDir, "report.md")}: {res.Front} trial(s) on the front" + (res.Chosen is int c ? $", chosen trial {c}" : ", no complete trial within the constraints yet"));
            }
            finally { foreach (var o in opened) o.Dispose(); }
            return ExitCodes.Ok;
        }));
        return cmd;
    }
}
