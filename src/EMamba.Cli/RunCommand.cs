using System.CommandLine;
using System.Globalization;
using EMamba.Core;
using EMamba.Engine.Stages;
using EMamba.Reports;
using Spectre.Console;

namespace EMamba.Cli;

/// <summary><c>emamba run</c>: a quantized model in the integer engine on a split, beside its float model.</summary>
public static class RunCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Quantized model (.q.safetensors from 'emamba quantize').", Required = true };
        var split = new Option<string>("--split") { Description = "Split: test, val or train.", DefaultValueFactory = _ => "test" };
        var limit = new Option<int?>("--limit-test") { Description = "Evaluate only the first N samples (language models: tokens)." };
        var threads = new Option<int?>("--threads") { Description = "Worker threads (default: all cores)." };
        var data = new Option<string?>("--data") { Description = "Data set location (default: the task's standard location)." };
        var noFloat = new Option<bool>("--no-float") { Description = "Skip the float model's figure." };
        var reference = new Option<bool>("--reference") { Description = "Run the scalar reference path (Reference.Run) instead of the fast path; the codes are the same." };
        var divergence = new Option<int>("--divergence") { Description = "Also compare every boundary with the float model on the first N samples (where quantization error enters)." };
        var lengths = new Option<string?>("--lengths") { Description = "Language models: the sequence lengths whose perplexity is given, each from a fresh state (comma-separated; default 512,4096)." };
        var batch = new Option<int>("--batch-size") { Description = "Samples per engine call (vision / radar; the codes do not depend on it).", DefaultValueFactory = _ => RunStage.DefaultBatch };
        var cmd = new Command("run", "Run a quantized model in the integer engine on a data set and print its metric beside the float model's.");
        foreach (var o in new Option[] { model, split, limit, threads, data, noFloat, divergence, reference, lengths, batch }) cmd.Options.Add(o);
        cmd.SetAction(r => App.Guard(ct =>
        {
            if (r.GetValue(limit) is <= 0) throw new EMambaException("--limit-test must be a positive number of samples", ExitCodes.Usage);
            int th = r.GetValue(threads) ?? Environment.ProcessorCount;
            if (th < 1 || th > 4 * Environment.ProcessorCount) throw new EMambaException($"--threads {th} must be in 1..{4 * Environment.ProcessorCount} (4x the cores)", ExitCodes.Usage);
            var req = new RunStage.Request(r.GetValue(model)!, r.GetValue(split)!, r.GetValue(data), r.GetValue(limit), th, !r.GetValue(noFloat), new ConsoleStageObserver(), r.GetValue(divergence), r.GetValue(reference), r.GetValue(batch));
            // A language model goes to LmRunStage through RunStage too; only --lengths needs the direct call.
            var res = r.GetValue(lengths) is { } ls ? LmRunStage.Run(req, ParseLengths(ls), ct) : RunStage.Run(req, ct);
            var t = new Table().AddColumn("figure").AddColumn(new TableColumn("integer engine").RightAligned()).AddColumn(new TableColumn("float reference").RightAligned());
            foreach (var (k, v) in res.Figures)
                t.AddRow(k == res.MetricName ? Figures.MetricHeader(k, r.GetValue(split)!) : k, v.ToString("F2", CultureInfo.InvariantCulture),
                    res.FloatFigures?.TryGetValue(k, out var f) == true ? f.ToString("F2", CultureInfo.InvariantCulture) : "");
            if (res.Agreement is double a) t.AddRow("same class as float (%)", a.ToString("F2", CultureInfo.InvariantCulture), "");
            bool lm = res.MetricName == "perplexity";
            t.AddRow($"us per {(lm ? "token" : "frame")} ({(lm || r.GetValue(reference) ? "reference" : "fast")} path, {th} threads)", res.UsPerFrame.ToString("F1", CultureInfo.InvariantCulture), "");
            AnsiConsole.Write(t);
            if (res.Divergence is { } div)
            {
                var d = new Table().AddColumns("boundary", "domain", "RMS error / RMS", "max |error|");
                foreach (var row in div) d.AddRow(row.Name, row.Domain.ToString(), row.RelRms.ToString("P2", CultureInfo.InvariantCulture), row.MaxAbsErr.ToString("G3", CultureInfo.InvariantCulture));
                AnsiConsole.Write(d);
            }
            AnsiConsole.MarkupLine(Markup.Escape($"integer engine: {res.EnginePath}"));
            if (res.FloatSource != null) AnsiConsole.MarkupLine(Markup.Escape($"float reference: {res.FloatSource} (double precision)"));
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    private static int[] ParseLengths(string text) =>
        [.. text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(p =>
            int.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v
                : throw new EMambaException($"--lengths: '{p}' is not a whole number", ExitCodes.Usage))];
}
