using EMamba.Core;
using EMamba.Data;
using EMamba.Engine.Stages;
using EMamba.Search.Space;
using EMamba.Search.Storage;
using EMamba.Training.Checkpoints;

namespace EMamba.Search.Runner;

/// <summary>Issue 19's approximation-tuning effect: the chosen trial's trained weights scored with uniform knots
/// and with fitted knots (same segments and input ranges, same precision) beside the knots the search chose, float
/// (with the tables) and INT8 in the integer engine on the validation split. The fine-tuned row exists only when
/// the trial fine-tuned (it needs the trial's training; nothing is retrained here).</summary>
public static class KnotComparison
{
    public const string Folder = "knots";

    /// <param name="Searched">the placement the trial used (its stored quantized model)</param>
    public sealed record Row(KnotPlacement Placement, bool Searched, double MetricFp32, double MetricInt8);

    public static IReadOnlyList<Row> Of(Study study, Trial chosen, IReadOnlyList<Trial> trials, string? data, int threads, CancellationToken ct)
    {
        string dir = study.TrialDir(Study.Root(chosen, trials));
        var c = study.Space.Apply(new Candidate(Study.Values(chosen))).Config
            ?? throw new EMambaException($"trial {chosen.Number} of '{study.Name}': its parameters no longer make a candidate", ExitCodes.BadInput);
        string searched = Path.Combine(dir, CandidateScoring.QuantizedFileName), best = Path.Combine(dir, RunFolder.BestFile);
        foreach (var f in new[] { searched, best })
            if (!File.Exists(f)) throw new EMambaException($"{f}: missing, so trial {chosen.Number}'s knots cannot be compared (was its folder moved?)", ExitCodes.BadInput);
        IDataset? train = null;
        var rows = new List<Row>();
        foreach (var p in new[] { KnotPlacement.Uniform, KnotPlacement.Fitted, KnotPlacement.FineTuned })
        {
            string q;
            if (p == c.Approx.Placement) q = searched;
            else if (p == KnotPlacement.FineTuned) continue;
            else
            {
                string sub = Path.Combine(dir, Folder, p.ToString().ToLowerInvariant()), tables = Path.Combine(sub, CandidateScoring.ApproxFileName);
                q = Path.Combine(sub, CandidateScoring.QuantizedFileName);
                if (!File.Exists(q))   // cached: a rerun of the report does not quantize again
                {
                    Directory.CreateDirectory(sub);
                    if (p == KnotPlacement.Uniform) CandidateScoring.Uniform(c.Approx).Save(tables);
                    else
                    {
                        train ??= TaskData.TrainVal(new RunConfig { Model = study.Space.Base.Model }, data, null).Train;
                        CandidateScoring.Tables(c.Approx with { Placement = p }, best, train, tables);
                    }
                    CandidateScoring.Quantize(c, sub, best, tables, data, CandidateScoring.Calib, ct);
                }
            }
            var run = RunStage.Run(new RunStage.Request(q, "val", data, null, threads), ct);
            rows.Add(new Row(p, p == c.Approx.Placement, run.FloatMetric ?? double.NaN, run.Metric));
        }
        return rows;
    }
}
