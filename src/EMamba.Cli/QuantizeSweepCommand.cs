using System.CommandLine;
using System.Globalization;
using EMamba.Core;
using EMamba.Core.Integer;
using EMamba.Engine.Stages;
using Spectre.Console;

namespace EMamba.Cli;

/// <summary><c>emamba quantize sweep</c>: the SSM state width against the calibration method, every
/// combination quantized in memory and scored in the integer engine (docs/integer.md §20).</summary>
public static class QuantizeSweepCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Float eMamba checkpoint (range norm, ReLU Delta).", Required = true };
        var approx = new Option<string?>("--approx") { Description = "approx.json with the PWL SiLU/exp tables (default: the checkpoint's own)." };
        var bits = new Option<string>("--state-bits") { Description = "SSM state widths to try (comma-separated, 8..24).", DefaultValueFactory = _ => "8,12,16,20,24" };
        var methods = new Option<string>("--methods") { Description = "Calibration methods to try (comma-separated: max, percentile, mse).", DefaultValueFactory = _ => "max,percentile,mse" };
        var calib = new Option<int>("--calib") { Description = "Calibration samples: the first N of the training split (language models: sequences).", DefaultValueFactory = _ => 256 };
        var limit = new Option<int?>("--limit-test") { Description = "Test samples each combination is scored on (language models: test tokens). Default 1000 samples, or 8192 tokens." };
        var lengths = new Option<string>("--lengths") { Description = "Language models: the sequence lengths scored (comma-separated).", DefaultValueFactory = _ => "512,4096" };
        var threads = new Option<int?>("--threads") { Description = "Worker threads (default: all cores)." };
        var data = new Option<string?>("--data") { Description = "Data set location (default: the task's standard location)." };
        var report = new Option<string?>("--report") { Description = "Also write the table as Markdown to this path (.md) and as JSON beside it (.json)." };
        var cmd = new Command("sweep", "Sweep the SSM state width and the calibration method: quantize each combination in memory, score it in the integer engine, print a table beside the float model.");
        foreach (var o in new Option[] { model, approx, bits, methods, calib, limit, lengths, threads, data, report }) cmd.Options.Add(o);
        cmd.SetAction(r => App.Guard(ct =>
        {
            int th = r.GetValue(threads) ?? Environment.ProcessorCount;
            if (th < 1 || th > 4 * Environment.ProcessorCount) throw new EMambaException($"--threads {th} must be in 1..{4 * Environment.ProcessorCount} (4x the cores)", ExitCodes.Usage);
            string? rep = r.GetValue(report);
            if (rep != null && !rep.EndsWith(".md", StringComparison.OrdinalIgnoreCase)) throw new EMambaException($"--report {rep} must be a .md path (the JSON goes beside it)", ExitCodes.Usage);
            var stateBits = Ints(r.GetValue(bits)!, "--state-bits");
            var calibs = r.GetValue(methods)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(Method).ToArray();
            var lens = Ints(r.GetValue(lengths)!, "--lengths");
            var res = SweepStage.Run(new SweepStage.Request(r.GetValue(model)!, r.GetValue(approx), r.GetValue(data), stateBits, calibs, r.GetValue(calib), r.GetValue(limit), th,
                new ConsoleStageObserver(), Lengths: lens), ct);
            var keys = SweepReport.Columns(res);
            var t = new Table().AddColumn("state").AddColumn("method");
            foreach (var k in keys) t.AddColumn(new TableColumn(SweepReport.Header(k)).RightAligned());
            foreach (var row in res.Rows)
                t.AddRow([$"s{row.StateBits}", row.Method.ToString().ToLowerInvariant(), .. keys.Select(k => SweepReport.Format(k, row.Figures[k]))]);
            t.AddRow(["float", "(reference)", .. keys.Select(k => SweepReport.Format(k, res.FloatFigures[k]))]);
            AnsiConsole.Write(t);
            AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"{res.Rows.Count} combinations on {res.TestSamples:N0} test {(res.MetricName.StartsWith("ppl_", StringComparison.Ordinal) ? "tokens" : "samples")}, calibrated once on {res.CalibSamples:N0}, in {res.Seconds:F1} s")));
            if (rep != null)
            {
                SweepReport.Write(rep, res, App.CommandLine);
                AnsiConsole.MarkupLine(Markup.Escape($"wrote {rep} and {Path.ChangeExtension(rep, ".json")}"));
            }
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    private static int[] Ints(string text, string option)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var v = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out v[i]))
                throw new EMambaException($"{option}: '{parts[i]}' is not a whole number", ExitCodes.Usage);
        return v;
    }

    private static CalibMethod Method(string s) => s.ToLowerInvariant() switch
    {
        "max" => CalibMethod.Max, "percentile" => CalibMethod.Percentile, "mse" => CalibMethod.Mse,
        _ => throw new EMambaException($"--methods: '{s}' is not a calibration method (max, percentile, mse)", ExitCodes.Usage),
    };
}
