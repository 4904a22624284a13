using EMamba.Core;
using EMamba.Data;
using EMamba.Engine.Quantize;

namespace EMamba.Cli.Tests;

/// <summary><c>emamba quantize sweep</c> end to end on a tiny model in the real formats: a MARS folder
/// of .npy files and a float eMamba checkpoint.</summary>
[Collection("cli")]
public sealed class SweepCliTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("emamba-sweep-cli-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static readonly ModelConfig TinyMars = new()
    {
        Task = TaskKind.Mars, Head = Head.Regress, InChannels = 5, Height = 8, Width = 8, Patch = 4,
        DModel = 8, Expand = 2, DState = 4, NLayers = 1, NumOutputs = 57,
    };

    [Fact]
    public void Quantize_sweep_prints_a_table_and_writes_markdown_and_json()
    {
        string mars = Path.Combine(dir, "mars"), model = Path.Combine(dir, "mars.safetensors"), report = Path.Combine(dir, "out", "sweep.md");
        MarsSynthetic.WriteFolder(mars, train: 30, validate: 5, test: 20, seed: 2);
        RandomCheckpoint.Write(model, TinyMars, 3);
        Assert.Equal(0, App.Run(["quantize", "sweep", "--model", model, "--data", mars, "--state-bits", "12,16", "--methods", "max,mse",
            "--calib", "8", "--limit-test", "10", "--threads", "1", "--report", report]));
        string md = File.ReadAllText(report);
        Assert.Contains("| state | method | MAE cm | RMSE cm | s |", md);
        foreach (var row in new[] { "| s12 | max |", "| s12 | mse |", "| s16 | max |", "| s16 | mse |", "| float | reference |" }) Assert.Contains(row, md);
        Assert.Contains("- command: `emamba quantize sweep", md);
        string json = File.ReadAllText(Path.ChangeExtension(report, ".json"));
        Assert.Contains("\"metric\": \"mae_cm\"", json);
        Assert.Contains("\"state_bits\": 16", json);

        Assert.Equal(ExitCodes.Usage, App.Run(["quantize", "sweep", "--model", model, "--data", mars, "--methods", "median"]));
        Assert.Equal(ExitCodes.Usage, App.Run(["quantize", "sweep", "--model", model, "--data", mars, "--state-bits", "8,x"]));
        Assert.Equal(ExitCodes.Usage, App.Run(["quantize", "sweep", "--model", model, "--report", Path.Combine(dir, "r.txt")]));
        // The quantize command itself still needs its own options.
        Assert.Equal(ExitCodes.Usage, App.Run(["quantize", "--model", model]));
    }
}
