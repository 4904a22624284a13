using System.CommandLine;
using EMamba.Core;

namespace EMamba.Cli;

public static class EvalCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var model = new Option<string>("--model") { Description = "Float checkpoint (.safetensors) to evaluate.", Required = true };
        var split = new Option<string>("--split") { Description = "Split: test, val or train.", DefaultValueFactory = _ => "test" };
        var cmd = new Command("eval", "Evaluate a checkpoint: parameter count, size and the task metric on a split.");
        cmd.Options.Add(model); cmd.Options.Add(split);
        common.AddTo(cmd, training: false);
        cmd.SetAction(r => App.Guard(_ =>
        {
            common.SetThreads(r);
            int? limit = r.GetValue(common.LimitTest);
            if (limit is <= 0) throw new EMambaException("--limit-test must be a positive number of samples", ExitCodes.Usage);
            int bs = r.GetValue(common.BatchSize) ?? 500;
            if (bs < 1) throw new EMambaException("--batch-size must be >= 1", ExitCodes.Usage);
            EvalFlow.Run(r.GetValue(model)!, r.GetValue(common.Data), r.GetValue(split)!, limit, bs);
            return ExitCodes.Ok;
        }));
        return cmd;
    }
}
