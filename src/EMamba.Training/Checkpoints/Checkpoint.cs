using EMamba.Core;
using TorchSharp;
using static TorchSharp.torch;
using EMamba.Data;
using EMamba.Training.Scan;

namespace EMamba.Training.Checkpoints;

/// <summary>Float checkpoints as safetensors: parameters under their module names, the run config
/// and input normalization in <c>__metadata__</c>; resumable checkpoints add optimizer state.</summary>
public sealed class Checkpoint
{
    public const string FormatTag = "emamba-float/1";

    public required string Path { get; init; }
    public required RunConfig Config { get; init; }
    public required Normalizer Normalizer { get; init; }
    public required SafetensorsFile File { get; init; }
    public IReadOnlyDictionary<string, string> Metadata => File.Metadata;

    /// <summary>The vocabulary a language model was trained with (metadata "vocab").</summary>
    public EMamba.Data.Vocabulary Vocabulary => Metadata.TryGetValue("vocab", out var v)
        ? EMamba.Data.Vocabulary.FromText(v, Path + " (metadata 'vocab')")
        : throw new EMambaException($"{Path}: not a language model (metadata has no 'vocab')", ExitCodes.BadInput);

    public static void Save(string path, nn.Module module, RunConfig cfg, Normalizer norm,
        IReadOnlyDictionary<string, string>? extraMeta = null, IEnumerable<(string Name, Tensor T)>? extraTensors = null)
    {
        var meta = new Dictionary<string, string>
        {
            ["format"] = FormatTag,
            ["config"] = cfg.ToJson(),
            ["normalizer"] = norm.Serialize(),
        };
        if (extraMeta != null) foreach (var kv in extraMeta) meta[kv.Key] = kv.Value;
        // Buffers too: a CNN's BatchNorm running statistics are what eval mode normalizes with.
        var tensors = module.named_parameters().Select(np => ToData(np.name, np.parameter))
            .Concat(module.named_buffers().Select(nb => ToData(nb.name, nb.buffer))).ToList();
        if (extraTensors != null) tensors.AddRange(extraTensors.Select(e => ToData(e.Name, e.T)));
        SafetensorsFile.Write(path, tensors, meta);
    }

    private static TensorData ToData(string name, Tensor t)
    {
        using var c = t.detach().cpu().contiguous();
        return TensorData.FromFloat(name, c.data<float>().ToArray(), c.shape);
    }

    public static Checkpoint Load(string path)
    {
        if (!System.IO.File.Exists(path)) throw new EMambaException($"{path}: model file not found", ExitCodes.BadInput);
        var file = SafetensorsFile.Read(path);
        if (!file.Metadata.TryGetValue("format", out var fmt) || fmt != FormatTag)
            throw new EMambaException($"{path}: not an eMamba float checkpoint (metadata 'format' is '{fmt ?? "missing"}', expected '{FormatTag}')");
        if (!file.Metadata.TryGetValue("config", out var cfgJson))
            throw new EMambaException($"{path}: metadata has no 'config'");
        var cfg = RunConfig.Parse(cfgJson, path + " (metadata 'config')");
        // The normalizer must fit the model: batching indexes it per input channel, and a NaN or zero std
        // makes every input NaN (eval would report loss NaN and succeed).
        if (!file.Metadata.TryGetValue("normalizer", out var normText))
            throw new EMambaException($"{path}: metadata has no 'normalizer'", ExitCodes.BadInput);
        int channels = cfg.Model.Head == Head.Lm ? 0 : cfg.Model.InChannels;
        Normalizer norm;
        try { norm = Normalizer.Parse(normText, channels); }
        catch (FormatException e) { throw new EMambaException($"{path}: metadata 'normalizer' is invalid: {e.Message}", ExitCodes.BadInput); }
        return new Checkpoint { Path = path, Config = cfg, Normalizer = norm, File = file };
    }

    /// <summary>Copies every parameter (except those <paramref name="skip"/> names) and buffer of <paramref name="module"/> from the file; a missing tensor,
    /// a shape mismatch or a non-finite value is an error naming the file and the tensor.</summary>
    public void LoadInto(nn.Module module, Func<string, bool>? skip = null)
    {
        using var _ = no_grad();
        foreach (var (name, p) in module.named_parameters())
            if (skip is null || !skip(name)) p.copy_(Tensor(name, p.shape));
        foreach (var (name, b) in module.named_buffers())
            b.copy_(Tensor(name, b.shape));
    }

    public Tensor Tensor(string name, long[] expectedShape)
    {
        if (!File.Contains(name)) throw new EMambaException($"{Path}: tensor '{name}' missing");
        var td = File[name];
        if (!td.Shape.SequenceEqual(expectedShape))
            throw new EMambaException($"{Path}: tensor '{name}' has shape [{string.Join(",", td.Shape)}], the model needs [{string.Join(",", expectedShape)}]");
        var data = td.AsFloat();
        if (data.Any(v => !float.IsFinite(v))) throw new EMambaException($"{Path}: tensor '{name}' holds NaN or infinity");
        return tensor(data, expectedShape);
    }
}
