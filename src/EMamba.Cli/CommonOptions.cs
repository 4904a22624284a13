using System.CommandLine;
using EMamba.Core;

namespace EMamba.Cli;

/// <summary>The run flags shared by training and evaluation commands.</summary>
public sealed class CommonOptions
{
    public readonly Option<int?> Epochs = new("--epochs") { Description = "Number of training epochs (overrides the config)." };
    public readonly Option<double?> Lr = new("--lr") { Description = "Peak learning rate (overrides the config)." };
    public readonly Option<int?> BatchSize = new("--batch-size") { Description = "Mini-batch size (overrides the config)." };
    public readonly Option<int?> LimitTrain = new("--limit-train") { Description = "Use only the first N training samples (quick runs)." };
    public readonly Option<int?> LimitTest = new("--limit-test") { Description = "Evaluate only the first N test samples (quick runs)." };
    public readonly Option<int?> Seed = new("--seed") { Description = "Random seed (overrides the config)." };
    public readonly Option<int?> Threads = new("--threads") { Description = "CPU threads for tensor math (default: all cores)." };
    public readonly Option<bool?> Augment = new("--augment") { Description = "Random crop (4-pixel padding) and horizontal flip while training: true or false (overrides the config)." };
    public readonly Option<string?> Data = new("--data") { Description = "Data set location (default: the task's standard location)." };

    public void AddTo(Command cmd, bool training)
    {
        if (training) { cmd.Options.Add(Epochs); cmd.Options.Add(Lr); cmd.Options.Add(Seed); cmd.Options.Add(Augment); cmd.Options.Add(LimitTrain); }
        cmd.Options.Add(BatchSize);
        cmd.Options.Add(LimitTest);
        cmd.Options.Add(Threads);
        cmd.Options.Add(Data);
    }

    public RunConfig Apply(ParseResult r, RunConfig cfg, string source)
    {
        var t = cfg.Train;
        t = t with
        {
            Epochs = r.GetValue(Epochs) ?? t.Epochs,
            BatchSize = r.GetValue(BatchSize) ?? t.BatchSize,
            Seed = r.GetValue(Seed) ?? t.Seed,
            Lr = r.GetValue(Lr) ?? t.Lr,
            Augment = r.GetValue(Augment) ?? t.Augment,
        };
        var c = cfg with { Train = t };
        c.Validate(source + " with command-line overrides");
        foreach (var (opt, v) in new[] { (LimitTrain, r.GetValue(LimitTrain)), (LimitTest, r.GetValue(LimitTest)) })
            if (v is <= 0) throw new EMambaException($"{opt.Name} must be a positive number of samples", ExitCodes.Usage);
        return c;
    }

    public void SetThreads(ParseResult r) => EMamba.Training.TorchThreads.Set(r.GetValue(Threads));
}
