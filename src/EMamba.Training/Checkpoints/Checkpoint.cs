using EMamba.Core;
using TorchSharp;
using static TorchSharp.torch;
using EMamba.Data;
using EMamba.Training.Scan;

using EMamba.Data.Checkpoints;

namespace EMamba.Training.Checkpoints;

/// <summary>Float checkpoints as safetensors: parameters under their module names, the run config
/// and input normalization in <c>__metadata__</c>; resumable checkpoints add optimizer state.</summary>
public sealed class Checkpoint
{
    public const string FormatTag = FloatCheckpoint.FormatTag;

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

    /// <summary>Reads and validates the file (format tag, config, normalizer: <see cref="FloatCheckpoint.Read"/>, shared with the torch-free quantizer).</summary>
    public static Checkpoint Load(string path)
    {
        var f = FloatCheckpoint.Read(path);
        return new Checkpoint { Path = f.Path, Config = f.Config, Normalizer = f.Normalizer, File = f.File };
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
