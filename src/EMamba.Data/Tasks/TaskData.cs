using EMamba.Core;
using EMamba.Data;

namespace EMamba.Data;

/// <summary>Loads the splits of a task. Data sets without a validation split (Fashion-MNIST,
/// CIFAR-10) hold out a seeded fraction of the training split, so model selection never sees test;
/// MARS has an official validate split, which is used instead (train.val_fraction is ignored).</summary>
public static class TaskData
{
    public static string DefaultPath(TaskKind task) => task switch
    {
        TaskKind.Fmnist => FashionMnist.DefaultDir,
        TaskKind.Cifar10 => Cifar10.DefaultPath,
        TaskKind.Mars => Mars.DefaultDir,
        TaskKind.Wikitext2 => WikiText.DefaultDir,
        _ => throw new EMambaException($"task '{task.Name()}' has no data reader in this build yet", ExitCodes.BadConfig),
    };

    /// <param name="split">train | test (| validate for MARS)</param>
    public static IDataset Load(ModelConfig cfg, string? path, string split)
    {
        path ??= DefaultPath(cfg.Task);
        IDataset ds = cfg.Task switch
        {
            TaskKind.Fmnist => FashionMnist.Load(path, split),
            TaskKind.Cifar10 => Cifar10.Load(path, split),
            TaskKind.Mars => Mars.Load(path, split),
            _ => throw new EMambaException($"task '{cfg.Task.Name()}' has no data reader in this build yet", ExitCodes.BadConfig),
        };
        var (c, h, w) = Geometry(ds);
        if (c != cfg.InChannels || h != cfg.Height || w != cfg.Width)
            throw new EMambaException($"{path}: samples are {c}x{h}x{w} but the model expects " +
                $"{cfg.InChannels}x{cfg.Height}x{cfg.Width}", ExitCodes.BadInput);
        return ds;
    }

    private static (int C, int H, int W) Geometry(IDataset ds) => ds switch
    {
        ImageDataset im => (im.Channels, im.Height, im.Width),
        FloatDataset f => (f.Channels, f.Height, f.Width),
        _ => throw new ArgumentException($"unknown data set type {ds.GetType().Name}"),
    };

    /// <summary>The training and validation sets of a run (training limited to its first
    /// <paramref name="limit"/> samples, before the hold-out, when given).</summary>
    public static (IDataset Train, IDataset Val) TrainVal(RunConfig cfg, string? path, int? limit)
    {
        var full = Load(cfg.Model, path, "train");
        if (cfg.Model.Task != TaskKind.Mars) return TrainVal(full, cfg.Train.ValFraction, cfg.Train.Seed, limit);
        return (First(full, limit), Load(cfg.Model, path, "validate"));
    }

    /// <summary>The token streams of a language-modelling task.</summary>
    public static LmCorpus Corpus(RunConfig cfg, string? path) => WikiText.Load(path ?? DefaultPath(cfg.Model.Task), cfg.Train.ValFraction);

    /// <summary>How the splits of a vision/radar task were made, for reports: which files, which
    /// hold-out (a language model's corpus carries its own, <see cref="LmCorpus.Protocol"/>).</summary>
    public static string Protocol(RunConfig cfg, string? path) => cfg.Model.Task switch
    {
        TaskKind.Mars => string.Join("; ", Mars.Splits.Select(s => Mars.Files(path ?? Mars.DefaultDir, s).Protocol)) +
                  "; models selected on validate, reported on test",
        _ => $"validation: a seeded {cfg.Train.ValFraction:P0} hold-out of the training split (seed {cfg.Train.Seed}); reported on the test split",
    };

    /// <summary>One split for evaluation: test, or the run's own validation / training part.</summary>
    public static IDataset Split(RunConfig cfg, string? path, string split)
    {
        if (split is not ("test" or "val" or "train"))
            throw new EMambaException($"split '{split}' must be test, val or train", ExitCodes.Usage);
        if (split == "test") return Load(cfg.Model, path, "test");
        var (train, val) = TrainVal(cfg, path, null);
        return split == "val" ? val : train;
    }

    /// <summary>The first <paramref name="limit"/> samples (all of them when null or larger).</summary>
    public static IDataset First(IDataset ds, int? limit) =>
        limit is int n && n < ds.Count ? ds.Pick(Enumerable.Range(0, n).ToArray()) : ds;

    /// <summary>Training and validation parts of the training split (first <paramref name="limit"/> samples if given).</summary>
    public static (IDataset Train, IDataset Val) TrainVal(IDataset full, double valFraction, int seed, int? limit)
    {
        var ds = First(full, limit);
        int nVal = (int)Math.Round(ds.Count * valFraction);
        if (nVal == 0 || nVal >= ds.Count)
            throw new EMambaException($"cannot hold out {valFraction:P0} of {ds.Count} samples for validation", ExitCodes.BadConfig);
        var perm = Enumerable.Range(0, ds.Count).ToArray();
        new Random(seed).Shuffle(perm);
        var val = perm[..nVal];
        var train = perm[nVal..];
        Array.Sort(val); Array.Sort(train);
        return (ds.Pick(train), ds.Pick(val));
    }
}
