using EMamba.Core;
using EMamba.Data;

namespace EMamba.Training.Data;

/// <summary>Loads the splits of a task. Data sets without a validation split (Fashion-MNIST,
/// CIFAR-10) hold out a seeded fraction of the training split, so model selection never sees test.</summary>
public static class TaskData
{
    public static string DefaultPath(string task) => task switch
    {
        "fmnist" => FashionMnist.DefaultDir,
        "cifar10" => Cifar10.DefaultPath,
        _ => throw new EMambaException($"task '{task}' has no data reader in this build yet", ExitCodes.BadConfig),
    };

    public static ImageDataset Load(ModelConfig cfg, string? path, string split)
    {
        path ??= DefaultPath(cfg.Task);
        var ds = cfg.Task switch
        {
            "fmnist" => FashionMnist.Load(path, split),
            "cifar10" => Cifar10.Load(path, split),
            _ => throw new EMambaException($"task '{cfg.Task}' has no data reader in this build yet", ExitCodes.BadConfig),
        };
        if (ds.Channels != cfg.InChannels || ds.Height != cfg.Height || ds.Width != cfg.Width)
            throw new EMambaException($"{path}: samples are {ds.Channels}x{ds.Height}x{ds.Width} but the model expects " +
                $"{cfg.InChannels}x{cfg.Height}x{cfg.Width}", ExitCodes.BadInput);
        return ds;
    }

    /// <summary>Training and validation parts of the training split (first <paramref name="limit"/> samples if given).</summary>
    public static (ImageDataset Train, ImageDataset Val) TrainVal(ImageDataset full, double valFraction, int seed, int? limit)
    {
        var ds = limit is int n && n < full.Count ? full.Take(n) : full;
        int nVal = (int)Math.Round(ds.Count * valFraction);
        if (nVal == 0 || nVal >= ds.Count)
            throw new EMambaException($"cannot hold out {valFraction:P0} of {ds.Count} samples for validation", ExitCodes.BadConfig);
        var perm = Enumerable.Range(0, ds.Count).ToArray();
        new Random(seed).Shuffle(perm);
        var val = perm[..nVal];
        var train = perm[nVal..];
        Array.Sort(val); Array.Sort(train);
        return (ds.Subset(train), ds.Subset(val));
    }
}
