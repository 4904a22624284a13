using System.CommandLine;
using System.Globalization;
using EMamba.Core;
using EMamba.Onnx.Stages;
using EMamba.Reports;
using Spectre.Console;

namespace EMamba.Cli;

/// <summary><c>emamba export onnx</c>: a float checkpoint (float32 graph) or a quantized model (QDQ graph) as
/// ONNX (docs/onnx.md); <c>--check</c> runs it in ONNX Runtime on a split beside the product's own forward.</summary>
public static class ExportCommand
{
    public static Command Create()
    {
        var cmd = new Command("export", "Export a model to another format.");
        cmd.Subcommands.Add(Onnx());
        return cmd;
    }

    private static Command Onnx()
    {
        var model = new Option<string>("--model") { Description = "Float eMamba checkpoint (.safetensors) or quantized model (.q.safetensors, exported as QDQ).", Required = true };
        var approx = new Option<string?>("--approx") { Description = "approx.json with the PWL SiLU/exp tables (float checkpoints; default: the checkpoint's own)." };
        var output = new Option<string>("--out") { Description = "ONNX file to write.", Required = true };
        var check = new Option<bool>("--check") { Description = "Run the exported graph in ONNX Runtime on a split and print its metric beside the product's (float reference or integer engine)." };
        var split = new Option<string>("--split") { Description = "--check: split (test, val or train).", DefaultValueFactory = _ => "test" };
        var limit = new Option<int?>("--limit-test") { Description = "--check: only the first N samples." };
        var data = new Option<string?>("--data") { Description = "--check: data set location (default: the task's standard location)." };
        var tokens = new Option<int>("--tokens") { Description = "Language models: the graph's fixed sequence length (tokens from a fresh state)." };
        var threads = new Option<int?>("--threads") { Description = "--check: threads of ONNX Runtime and of the product's forward (default: all cores)." };
        var cmd = new Command("onnx", "Write a model as an ONNX graph (float: opset 17; quantized: QDQ, opset 21), optionally checked in ONNX Runtime.");
        foreach (var o in new Option[] { model, approx, output, tokens, check, split, limit, data, threads }) cmd.Options.Add(o);
        cmd.SetAction(r => App.Guard(ct =>
        {
            if (r.GetValue(limit) is <= 0) throw new EMambaException("--limit-test must be a positive number of samples", ExitCodes.Usage);
            int th = r.GetValue(threads) ?? Environment.ProcessorCount;
            if (th < 1 || th > 4 * Environment.ProcessorCount) throw new EMambaException($"--threads {th} must be in 1..{4 * Environment.ProcessorCount} (4x the cores)", ExitCodes.Usage);
            var res = ExportStage.Run(new ExportStage.Request(r.GetValue(model)!, r.GetValue(approx), r.GetValue(output)!, ConsoleStageObserver.Instance, r.GetValue(tokens)));
            AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"wrote {res.Out}: {(res.Kind == ExportKind.Float ? "float32" : "QDQ")} graph, opset {res.Opset}, {res.Nodes} nodes, {res.Initializers} initializers, {res.Bytes:N0} bytes")));
            if (!r.GetValue(check)) return ExitCodes.Ok;
            var c = CheckStage.Run(new CheckStage.Request(res.Out, r.GetValue(model)!, r.GetValue(approx), r.GetValue(split)!, r.GetValue(data), r.GetValue(limit), th, ConsoleStageObserver.Instance), ct);
            var t = new Table().AddColumn("figure").AddColumn(new TableColumn("ONNX Runtime").RightAligned()).AddColumn(new TableColumn(c.Kind == ExportKind.Float ? "float reference" : "integer engine").RightAligned());
            foreach (var (k, v) in c.OnnxFigures)
                t.AddRow(k == c.MetricName ? Figures.MetricHeader(k) : k, F(v, 2), c.ProductFigures.TryGetValue(k, out var pv) ? F(pv, 2) : "");
            if (c.SameClass is double s) t.AddRow("same class (%)", F(s, 2), "");
            if (c.EqualCodes is double e) t.AddRow("equal output codes (%)", F(e, 2), "");
            t.AddRow("max |output difference|", c.MaxAbsDiff.ToString("G3", CultureInfo.InvariantCulture), "");
            t.AddRow("mean |output difference|", c.MeanAbsDiff.ToString("G3", CultureInfo.InvariantCulture), "");
            if (c.NormF is { } nf)
            {
                t.AddRow($"norm_f codes equal ({nf.Domain}, {nf.Codes:N0} codes) (%)", F(nf.EqualPercent, 2), "");
                t.AddRow("norm_f codes within 1 LSB (%)", F(nf.WithinOnePercent, 2), "");
                t.AddRow("norm_f largest difference (LSB)", $"{nf.MaxLsb}", "");
            }
            t.AddRow($"us per frame (ONNX Runtime, batches of {c.Batch}, {th} threads)", F(c.OrtUsPerFrame, 1), "");
            AnsiConsole.Write(t);
            AnsiConsole.MarkupLine(Markup.Escape($"compared with: {c.Product}; {c.Samples:N0} {r.GetValue(split)} samples"));
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    private static string F(double v, int digits) => v.ToString("F" + digits, CultureInfo.InvariantCulture);
}
