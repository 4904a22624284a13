using EMamba.Core;
using EMamba.Data.Checkpoints;
using EMamba.Onnx.Stages;

namespace EMamba.Onnx.Tests;

/// <summary>A malformed export request gets one clear EMambaException naming the file, with the exit code
/// the CLI returns, and writes nothing.</summary>
public sealed class ExportErrorTests
{
    // The checkpoint with its metadata config replaced (the tensors stay as they are).
    private static string WithConfig(Tiny tiny, ModelConfig cfg, Func<ModelConfig, ModelConfig> change, string name)
    {
        string src = tiny.Checkpoint(cfg, name: "src-" + name);
        var f = SafetensorsFile.Read(src);
        var meta = f.Metadata.ToDictionary();
        meta["config"] = new RunConfig { Model = change(EMamba.Engine.Quantize.RandomCheckpoint.EMambaOf(cfg)) }.ToJson();
        string path = tiny.File(name);
        SafetensorsFile.Write(path, f.Tensors, meta);
        return path;
    }

    private static EMambaException Refused(Tiny tiny, string model, string? approx = null)
    {
        string onnx = tiny.File("out.onnx");
        var e = Assert.ThrowsAny<EMambaException>(() => ExportStage.Run(new ExportStage.Request(model, approx, onnx)));
        Assert.False(File.Exists(onnx));
        return e;
    }

    [Fact]
    public void ABaselineArchitectureIsRefused()
    {
        using var tiny = new Tiny();
        string path = WithConfig(tiny, Tiny.Config(TaskKind.Fmnist), c => c with { Arch = Arch.Cnn }, "cnn.safetensors");
        var e = Refused(tiny, path);
        Assert.Equal(ExitCodes.BadInput, e.ExitCode);
        Assert.Contains(path, e.Message);
        Assert.Contains("arch 'cnn'", e.Message);
    }

    [Fact]
    public void ALanguageModelWithoutASequenceLengthIsRefused()
    {
        using var tiny = new Tiny();
        var lm = new ModelConfig { Task = TaskKind.Wikitext2, Head = Head.Lm, Vocab = 50, DModel = 8, DState = 4, NLayers = 1, NumOutputs = 50 };
        string path = tiny.Checkpoint(lm, name: "lm.safetensors");
        var e = Refused(tiny, path);
        Assert.Equal(ExitCodes.Usage, e.ExitCode);
        Assert.Contains(path, e.Message);
        Assert.Contains("--tokens", e.Message);
    }

    [Fact]
    public void AModelWithExactSiluAndNoApproxTableIsRefused()
    {
        using var tiny = new Tiny();
        string path = WithConfig(tiny, Tiny.Config(TaskKind.Mars), c => c with { Silu = Impl.Exact }, "exact-silu.safetensors");
        var e = Refused(tiny, path);
        Assert.Equal(ExitCodes.BadInput, e.ExitCode);
        Assert.Contains(path, e.Message);
        Assert.True(e.Message.Contains("--approx"), e.Message);
    }

    [Fact]
    public void AMissingApproxFileIsNamed()
    {
        using var tiny = new Tiny();
        string ck = tiny.Checkpoint(Tiny.Config(TaskKind.Mars));
        string approx = tiny.File("nowhere/approx.json");
        var e = Refused(tiny, ck, approx);
        Assert.Equal(ExitCodes.BadInput, e.ExitCode);
        Assert.Contains(approx, e.Message);
    }

    [Fact]
    public void AFileOfAnotherFormatAndAMissingFileAreRefused()
    {
        using var tiny = new Tiny();
        string other = tiny.File("other.safetensors");
        SafetensorsFile.Write(other, [TensorData.FromFloat("w", [1f], 1)], new Dictionary<string, string> { ["format"] = "something/1" });
        var e = Refused(tiny, other);
        Assert.Contains(other, e.Message);
        Assert.Contains("something/1", e.Message);
        string missing = tiny.File("missing.safetensors");
        Assert.Contains(missing, Refused(tiny, missing).Message);
        string garbage = tiny.File("garbage.safetensors");
        File.WriteAllBytes(garbage, [1, 2, 3]);
        Assert.Contains(garbage, Refused(tiny, garbage).Message);
    }
}
