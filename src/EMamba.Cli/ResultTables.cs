using System.Globalization;
using EMamba.Core.Approx;
using EMamba.Reports;
using EMamba.Training.Stages;
using Spectre.Console;

namespace EMamba.Cli;

/// <summary>The console tables of the stages' results (the stages return records, the CLI draws them).</summary>
public static class ResultTables
{
    /// <summary>An evaluation: what was evaluated and every figure.</summary>
    public static Table Eval(EvalStage.Outcome o)
    {
        var t = new Table().AddColumn("item").AddColumn(new TableColumn("value").RightAligned());
        foreach (var (item, value) in o.Rows) t.AddRow(Markup.Escape(item), Markup.Escape(value));
        return t;
    }

    /// <summary>Uniform vs fitted PWL tables: their errors on the range and under the histogram.</summary>
    public static Table ApproxErrors(IEnumerable<PwlFitResult> results)
    {
        var t = new Table().AddColumns("function", "segments", "range", "knots", "max |err| on range", "mean |err| (hist.)", "RMS err (hist.)");
        foreach (var r in results)
            foreach (var (label, e) in new[] { ("uniform", r.UniformError), ("fitted", r.FittedError) })
                t.AddRow(r.Spec.Function.Name(), r.Spec.Segments.ToString(CultureInfo.InvariantCulture), $"[[{r.Spec.Lo}, {r.Spec.Hi}]]", label,
                    e.Max.ToString("G3", CultureInfo.InvariantCulture), e.MeanAbs.ToString("G3", CultureInfo.InvariantCulture), e.Rms.ToString("G3", CultureInfo.InvariantCulture));
        return t;
    }

    /// <summary>The ablation: one row per variant.</summary>
    public static Table Ablation(IEnumerable<AblationStage.Row> rows, string metric)
    {
        var t = new Table().AddColumns("model", Figures.MetricHeader(metric), "parameters", "training s", "how");
        foreach (var r in rows)
            t.AddRow(Markup.Escape(r.Label), r.Test.ToString("F2", CultureInfo.InvariantCulture), r.Parameters.ToString("N0", CultureInfo.InvariantCulture),
                r.TrainSeconds.ToString("F0", CultureInfo.InvariantCulture), Markup.Escape(r.How));
        return t;
    }
}
