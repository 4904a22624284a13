using EMamba.Core;
using EMamba.Data;
using EMamba.Engine.Quantize;
using EMamba.Onnx.Stages;

namespace EMamba.Cli.Tests;

/// <summary><c>emamba export onnx</c> through the command line on files in the real formats (a synthetic MARS
/// folder, a seeded random float checkpoint): the export, its --check on the test split, and the bad requests.</summary>
[Collection("cli")] // Console.Error is captured; keep serial with the other CLI tests
public sealed class ExportCliTests : IDisposable
{
    private static readonly ModelConfig TinyMars = new()
    {
        Task = TaskKind.Mars, Head = Head.Regress, InChannels = 5, Height = 8, Width = 8, Patch = 2,
        DModel = 8, Expand = 2, DState = 4, NLayers = 2, NumOutputs = 57,
    };

    private readonly string dir = Directory.CreateTempSubdirectory("emamba-export-cli-").FullName;
    private string Mars => Path.Combine(dir, "mars");
    private string Float => Path.Combine(dir, "float.safetensors");
    private string Onnx => Path.Combine(dir, "m.onnx");

    public ExportCliTests()
    {
        MarsSynthetic.WriteFolder(Mars, 60, 20, 40, seed: 3);
        RandomCheckpoint.Write(Float, TinyMars, seed: 5);
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static (int Code, string Err) Run(params string[] args) => CliRun.WithStderr(args);

    [Fact]
    public void ExportWithCheckGivesTheFloatModelsMetric()
    {
        var (code, err) = Run("export", "onnx", "--model", Float, "--out", Onnx, "--check", "--data", Mars, "--threads", "1");
        Assert.True(code == 0, err);
        Assert.True(File.Exists(Onnx));
        var c = CheckStage.Run(new CheckStage.Request(Onnx, Float, null, "test", Mars, null, 1));
        Assert.Equal(40, c.Samples);
        Assert.Equal(Math.Round(c.ProductFigures["mae_cm"], 2), Math.Round(c.OnnxFigures["mae_cm"], 2));
        Assert.Equal(Math.Round(c.ProductFigures["rmse_cm"], 2), Math.Round(c.OnnxFigures["rmse_cm"], 2));
        Assert.True(c.MaxAbsDiff < 1e-4, $"max |difference| {c.MaxAbsDiff}");
    }

    [Fact]
    public void BadRequestsGetAClearMessageAndExitCode()
    {
        var (code, err) = Run("export", "onnx", "--model", Path.Combine(dir, "none.safetensors"), "--out", Onnx);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("none.safetensors: model file not found", err);
        (code, err) = Run("export", "onnx", "--model", Float, "--approx", Path.Combine(dir, "none.json"), "--out", Onnx);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("none.json", err);
        (code, _) = Run("export", "onnx", "--model", Float, "--out", Onnx, "--check", "--limit-test", "0");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.False(File.Exists(Onnx));
    }
}
