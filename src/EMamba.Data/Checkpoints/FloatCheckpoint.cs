using EMamba.Core;

namespace EMamba.Data.Checkpoints;

/// <summary>A float checkpoint read without TorchSharp (docs/checkpoints.md): the safetensors file,
/// its run config and its input normalizer, each validated. Training builds modules from it; the
/// quantizer reads its tensors directly.</summary>
public sealed record FloatCheckpoint(string Path, RunConfig Config, Normalizer Normalizer, SafetensorsFile File)
{
    public const string FormatTag = "emamba-float/1";

    public static FloatCheckpoint Read(string path)
    {
        if (!System.IO.File.Exists(path)) throw new EMambaException($"{path}: model file not found", ExitCodes.BadInput);
        var file = SafetensorsFile.Read(path);
        if (!file.Metadata.TryGetValue("format", out var fmt) || fmt != FormatTag)
            throw new EMambaException($"{path}: not an eMamba float checkpoint (metadata 'format' is '{Shown.Value(fmt ?? "missing")}', expected '{FormatTag}')");
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
        return new FloatCheckpoint(path, cfg, norm, file);
    }

    /// <summary>A tensor as float32 values with the expected shape; a missing tensor, another shape or a
    /// non-finite value is an error naming the file and the tensor.</summary>
    public float[] Floats(string name, params long[] shape)
    {
        var td = File[name];
        if (!td.Shape.SequenceEqual(shape))
            throw new EMambaException($"{Path}: tensor '{name}' has shape [{string.Join(",", td.Shape)}], the model needs [{string.Join(",", shape)}]");
        var data = td.AsFloat();
        if (data.Any(v => !float.IsFinite(v))) throw new EMambaException($"{Path}: tensor '{name}' holds NaN or infinity");
        return data;
    }
}
