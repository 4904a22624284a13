using System.CommandLine;
using System.Globalization;
using EMamba.Core;
using EMamba.Core.Approx;
using EMamba.Training.Stages;
using Spectre.Console;
using EMamba.Training.Scan;

namespace EMamba.Cli;

/// <summary><c>emamba approx fit</c>: piecewise-linear tables for a trained model.</summary>
public static class ApproxCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var model = new Option<string>("--model") { Description = "Float checkpoint whose activations the tables are fitted to.", Required = true };
        var outPath = new Option<string>("--out") { Description = "approx.json to write (plots and a Markdown table go beside it).", DefaultValueFactory = _ => "approx.json" };
        var samples = new Option<int>("--samples") { Description = "Training samples to collect activations on.", DefaultValueFactory = _ => 500 };
        var specs = PwlFunctions.All.Select(f =>
        {
            var (n, lo, hi) = f.Default();
            return (f,
                Segments: new Option<int>($"--{f.Name()}-segments") { Description = $"Segments of the {f.Name()} table.", DefaultValueFactory = _ => n },
                Range: new Option<string>($"--{f.Name()}-range") { Description = $"Knot range LO:HI of {f.Name()} (write --{f.Name()}-range=LO:HI when LO is negative).", DefaultValueFactory = _ => $"{lo}:{hi}" });
        }).ToList();
        var fit = new Command("fit", "Collect SiLU/exp input histograms of a model, fit PWL knots to them, compare with uniform knots, write approx.json.");
        fit.Options.Add(model); fit.Options.Add(outPath); fit.Options.Add(samples);
        foreach (var s in specs) { fit.Options.Add(s.Segments); fit.Options.Add(s.Range); }
        fit.Options.Add(common.Threads); fit.Options.Add(common.Data);
        fit.SetAction(r => App.Guard(_ =>
        {
            common.SetThreads(r);
            int n = r.GetValue(samples);
            if (n < 1) throw new EMambaException("--samples must be >= 1", ExitCodes.Usage);
            var list = specs.Select(s => Spec(s.f, r.GetValue(s.Segments), r.GetValue(s.Range)!)).ToList();
            var results = ApproxStage.Run(new ApproxStage.Request(r.GetValue(model)!, r.GetValue(outPath)!, r.GetValue(common.Data), n, list, App.CommandLine, Observer: ConsoleStageObserver.Instance));
            AnsiConsole.Write(ResultTables.ApproxErrors(results));
            return ExitCodes.Ok;
        }));
        var cmd = new Command("approx", "Hardware-friendly approximations: piecewise-linear SiLU and exp.");
        cmd.Subcommands.Add(fit);
        return cmd;
    }

    private static PwlFitSpec Spec(PwlFunction f, int segments, string range)
    {
        var parts = range.Split(':');
        if (parts.Length != 2 || !double.TryParse(parts[0], CultureInfo.InvariantCulture, out var lo)
            || !double.TryParse(parts[1], CultureInfo.InvariantCulture, out var hi) || !(hi > lo) || !double.IsFinite(lo) || !double.IsFinite(hi))
            throw new EMambaException($"--{f.Name()}-range '{range}' must be LO:HI with LO < HI, e.g. -7:7", ExitCodes.Usage);
        if (segments < 1 || segments > 256) throw new EMambaException($"--{f.Name()}-segments must be in 1..256", ExitCodes.Usage);
        return new PwlFitSpec(f, segments, lo, hi);
    }
}
