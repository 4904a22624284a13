using System.CommandLine;
using System.Globalization;
using EMamba.Core;
using EMamba.Engine.Stages;
using Spectre.Console;

namespace EMamba.Cli;

/// <summary><c>emamba golden</c>: the integer reference's every tensor on the first K samples, as hex
/// files a Verilog testbench reads with <c>$readmemh</c> (docs/integer.md §19).</summary>
public static class GoldenCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Quantized model (.q.safetensors from 'emamba quantize').", Required = true };
        var count = new Option<int>("--count") { Description = $"Samples: the first K of the split (1..{GoldenStage.MaxCount}).", Required = true };
        var output = new Option<string>("--out") { Description = "Folder to write (sample_NNNN/*.hex and manifest.json).", Required = true };
        var split = new Option<string>("--split") { Description = "Split: test, val or train.", DefaultValueFactory = _ => "test" };
        var data = new Option<string?>("--data") { Description = "Data set location (default: the task's standard location)." };
        var force = new Option<bool>("--force") { Description = "Replace an existing golden-vector folder in --out." };
        var cmd = new Command("golden", "Write golden vectors for an RTL testbench: input codes, every intermediate tensor and the outputs of the integer reference, as $readmemh hex files.");
        foreach (var o in new Option[] { model, count, output, split, data, force }) cmd.Options.Add(o);
        cmd.SetAction(r => App.Guard(ct =>
        {
            var res = GoldenStage.Run(new GoldenStage.Request(r.GetValue(model)!, r.GetValue(count), r.GetValue(output)!, r.GetValue(split)!,
                r.GetValue(data), r.GetValue(force), ConsoleStageObserver.Instance), ct);
            AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"wrote {res.Samples:N0} samples x {res.Tensors} tensors ({res.Bytes:N0} bytes of hex) and {GoldenStage.ManifestName} to {res.Out} in {res.Seconds:F1} s; model sha256 {res.ModelSha256}")));
            return ExitCodes.Ok;
        }));
        return cmd;
    }
}
