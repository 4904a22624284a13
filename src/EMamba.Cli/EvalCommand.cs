using System.CommandLine;
using EMamba.Core;
using EMamba.Core.Approx;
using EMamba.Training.Stages;
using Spectre.Console;

namespace EMamba.Cli;

public static class EvalCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var model = new Option<string>("--model") { Description = "Float checkpoint (.safetensors) to evaluate.", Required = true };
        var split = new Option<string>("--split") { Description = "Split: test, val or train.", DefaultValueFactory = _ => "test" };
        var approx = new Option<string?>("--approx") { Description = "approx.json (from 'approx fit'): swap its PWL tables in for SiLU and/or exp." };
        var ops = new Option<string?>("--approx-ops") { Description = "Which of the file's tables to use: silu, exp or silu,exp (default: all it holds)." };
        var cmd = new Command("eval", "Evaluate a checkpoint: parameter count, size and the task metric on a split.");
        cmd.Options.Add(model); cmd.Options.Add(split); cmd.Options.Add(approx); cmd.Options.Add(ops);
        common.AddTo(cmd, training: false);
        cmd.SetAction(r => App.Guard(_ =>
        {
            common.SetThreads(r);
            int? limit = r.GetValue(common.LimitTest);
            if (limit is <= 0) throw new EMambaException("--limit-test must be a positive number of samples", ExitCodes.Usage);
            int bs = r.GetValue(common.BatchSize) ?? 500;
            if (bs < 1) throw new EMambaException("--batch-size must be >= 1", ExitCodes.Usage);
            string? opsText = r.GetValue(ops);
            if (opsText != null && r.GetValue(approx) is null) throw new EMambaException("--approx-ops needs --approx", ExitCodes.Usage);
            var only = opsText?.Split(',', StringSplitOptions.TrimEntries).Select(n => PwlFunctions.Parse(n, "--approx-ops")).ToHashSet();
            AnsiConsole.Write(ResultTables.Eval(EvalStage.Run(r.GetValue(model)!, r.GetValue(common.Data), r.GetValue(split)!, limit, bs, r.GetValue(approx), only)));
            return ExitCodes.Ok;
        }));
        return cmd;
    }
}
