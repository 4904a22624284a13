using EMamba.Core;
using EMamba.Core.Integer;

namespace EMamba.Hardware.Stages;

/// <summary><c>emamba hw gen</c> as a library call: the RTL folder of a quantized model on an
/// accelerator config, written under a temporary name and renamed into place.</summary>
public static class HwGenStage
{
    public sealed record Request(string Model, string? Config, string Out, IStageObserver? Observer = null);

    public sealed record Result(string Out, int Files, long Bytes, CycleModel Cycles, AcceleratorConfig Config, string Hash);

    public static Result Run(Request q)
    {
        var obs = q.Observer ?? SilentStageObserver.Instance;
        var (m, c) = Load(q.Model, q.Config);
        string dir = Path.GetFullPath(q.Out);
        if (Directory.Exists(dir) || File.Exists(dir)) throw new EMambaException($"{dir} already exists; choose a new folder for the design", ExitCodes.Usage);
        var d = Generate(m, c);
        obs.Info($"writing {d.Files.Count} files of {c.TopName} to {dir}");
        try { d.WriteTo(dir); }
        catch (IOException e) { throw new EMambaException($"{dir}: {e.Message}", ExitCodes.Io, e); }
        return new Result(dir, d.Files.Count, d.Files.Values.Sum(v => (long)v.Length), CycleModel.Of(m, c), c, d.Hash);
    }

    /// <summary>The model (vision / radar) and the config (defaults when no file is given), with clear errors.</summary>
    public static (IntModel Model, AcceleratorConfig Config) Load(string model, string? config)
    {
        if (!File.Exists(model)) throw new EMambaException($"{model}: model file not found", ExitCodes.BadInput);
        var m = QuantFile.Load(model).Model;
        if (m.Config.Head == Head.Lm) throw new EMambaException($"{model}: the accelerator runs vision and radar models; language models are not supported yet", ExitCodes.Usage);
        var c = config is null ? new AcceleratorConfig().Validated() : AcceleratorConfig.Load(config);
        return (m, c);
    }

    public static Design Generate(IntModel m, AcceleratorConfig c)
    {
        try { return RtlGenerator.Generate(m, c); }
        catch (NotSupportedException e) { throw new EMambaException(e.Message, ExitCodes.Usage, e); }
    }
}
