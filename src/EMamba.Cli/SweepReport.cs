using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EMamba.Engine.Stages;
using EMamba.Reports;

namespace EMamba.Cli;

/// <summary>The sweep's table as Markdown (with the provenance lines every report opens with) and as
/// JSON beside it, for the results pages and for scripts.</summary>
public static class SweepReport
{
    /// <summary>The figures shown, the ranking metric first ("samples" is said once, below the table).</summary>
    public static string[] Columns(SweepStage.Result r) =>
        [r.MetricName, .. r.FloatFigures.Keys.Where(k => k != r.MetricName && k != "samples" && r.Rows.All(x => x.Figures.ContainsKey(k))).Order(StringComparer.Ordinal)];

    public static string Header(string key) => key switch
    {
        "mae_cm" => "MAE cm", "rmse_cm" => "RMSE cm", "accuracy" => "accuracy %",
        _ when key.StartsWith("ppl_", StringComparison.Ordinal) => $"perplexity @{key[4..]}",
        _ => key,
    };

    /// <summary>A figure as every report writes it; perplexity at a length as perplexity.</summary>
    public static string Format(string key, double v) => Figures.Format(key.StartsWith("ppl_", StringComparison.Ordinal) ? "perplexity" : key, v);

    public static void Write(string mdPath, SweepStage.Result r, string command)
    {
        var keys = Columns(r);
        var sb = new StringBuilder();
        sb.AppendLine("# Quantization sweep: SSM state width x calibration method").AppendLine();
        sb.Append(MachineInfo.ProvenanceLines(command));
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"- model: `{r.Model}`; calibrated once on {r.CalibSamples:N0}, each combination scored by the integer reference on {r.TestSamples:N0} test {(r.MetricName.StartsWith("ppl_", StringComparison.Ordinal) ? "tokens" : "samples")}"));
        sb.AppendLine("- every boundary but the state h keeps its default width (docs/integer.md §2)").AppendLine();
        sb.AppendLine($"| state | method | {string.Join(" | ", keys.Select(Header))} | s |");
        sb.AppendLine($"|---|---|{string.Concat(keys.Select(_ => "---:|"))}---:|");
        foreach (var row in r.Rows)
            sb.AppendLine($"| s{row.StateBits} | {row.Method.ToString().ToLowerInvariant()} | {string.Join(" | ", keys.Select(k => Format(k, row.Figures[k])))} | {row.Seconds.ToString("F1", CultureInfo.InvariantCulture)} |");
        sb.AppendLine($"| float | reference | {string.Join(" | ", keys.Select(k => Format(k, r.FloatFigures[k])))} | |");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(mdPath))!);
        File.WriteAllText(mdPath, sb.ToString());
        var json = new JsonObject
        {
            ["command"] = command, ["model"] = r.Model, ["metric"] = r.MetricName, ["calib_samples"] = r.CalibSamples, ["test_samples"] = r.TestSamples,
            ["float"] = Figs(r.FloatFigures),
            ["rows"] = new JsonArray([.. r.Rows.Select(x => (JsonNode)new JsonObject
            {
                ["state_bits"] = x.StateBits, ["method"] = x.Method.ToString().ToLowerInvariant(), ["metric"] = x.Metric, ["seconds"] = x.Seconds, ["figures"] = Figs(x.Figures),
            })]),
        };
        File.WriteAllText(Path.ChangeExtension(mdPath, ".json"), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    private static JsonObject Figs(Dictionary<string, double> f) => new([.. f.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))]);
}
