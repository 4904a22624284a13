using System.CommandLine;
using System.Globalization;
using EMamba.Core;
using EMamba.Core.Integer;
using EMamba.Engine.Stages;
using Spectre.Console;

namespace EMamba.Cli;

/// <summary><c>emamba quantize</c>: post-training INT8 quantization of a float eMamba checkpoint (docs/integer.md).</summary>
public static class QuantizeCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Float eMamba checkpoint (range norm, ReLU Delta).", Required = true };
        var approx = new Option<string?>("--approx") { Description = "approx.json with the PWL SiLU/exp tables (default: the checkpoint's own)." };
        var calib = new Option<int>("--calib") { Description = "Calibration samples: the first N of the training split (language models: sequences).", DefaultValueFactory = _ => 512 };
        var method = new Option<CalibMethod>("--method") { Description = "How each scale is chosen: max, percentile (99.99 %) or mse.", DefaultValueFactory = _ => CalibMethod.Percentile };
        var precision = new Option<string?>("--precision") { Description = "Precision JSON (widths per op kind or layer; see docs/integer.md). Overrides --method." };
        var output = new Option<string>("--out") { Description = "Quantized model to write (.q.safetensors).", Required = true };
        var data = new Option<string?>("--data") { Description = "Data set location (default: the task's standard location)." };
        var pinFrom = new Option<string?>("--pin-from") { Description = "Keep the precision and calibrated domains of this quantized model (a QAT run's ptq.q.safetensors: its fine-tuned checkpoint then quantizes to the model it trained)." };
        var cmd = new Command("quantize", "Quantize a float eMamba model to integers (emamba-int/1): calibrate, choose every scale, write the file.");
        foreach (var o in new Option[] { model, approx, calib, method, precision, output, data, pinFrom }) cmd.Options.Add(o);
        cmd.Subcommands.Add(QuantizeSweepCommand.Create());
        cmd.SetAction(r => App.Guard(ct =>
        {
            var res = QuantizeStage.Run(new QuantizeStage.Request(r.GetValue(model)!, r.GetValue(approx), r.GetValue(data), r.GetValue(calib),
                r.GetValue(method), r.GetValue(precision), r.GetValue(output)!, App.CommandLine, new ConsoleStageObserver(), PinFrom: r.GetValue(pinFrom)), ct);
            var t = new Table().AddColumns("boundary", "domain", "method", "max |v|", "clipped", "mse");
            foreach (var c in res.Choices)
                t.AddRow(c.Name, c.Domain.ToString(), c.Note is null ? c.Method.ToString().ToLowerInvariant() : c.Note == EMamba.Engine.Quantize.Quantizer.PinnedNote ? "pinned" : "fixed: " + Markup.Escape(c.Note),
                    c.MaxAbs.ToString("G4", CultureInfo.InvariantCulture), c.Clipped.ToString("P3", CultureInfo.InvariantCulture), c.SquaredError.ToString("G3", CultureInfo.InvariantCulture));
            AnsiConsole.Write(t);
            AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"wrote {res.Out} ({res.FileBytes:N0} bytes with metadata); model size: {res.Size.Total:N0} bytes integer (weights {res.Size.Weights:N0}, biases {res.Size.Biases:N0}, PWL tables {res.Size.Tables:N0}; plus {res.Size.Shifts:N0} bytes of per-row shifts) vs {res.FloatBytes:N0} bytes FP32; calibrated on {res.CalibSamples:N0} samples in {res.Seconds:F1} s")));
            return ExitCodes.Ok;
        }));
        return cmd;
    }
}
