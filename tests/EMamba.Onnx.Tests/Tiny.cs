using EMamba.Core;
using EMamba.Engine.Quantize;

namespace EMamba.Onnx.Tests;

/// <summary>Tiny generated models in the real file formats, in a temp folder deleted on dispose.</summary>
public sealed class Tiny : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("emamba-onnx-test-").FullName;

    public string File(string name) => Path.Combine(Dir, name);

    /// <summary>A task's geometry with a small Mamba (the patch gives 16 tokens: MARS 2, FMNIST 7, CIFAR-10 8).</summary>
    public static ModelConfig Config(TaskKind task, bool convSilu = true, int layers = 2, int d = 8)
    {
        var t = TaskInfo.Find(task)!;
        int p = task switch { TaskKind.Mars => 2, TaskKind.Fmnist => 7, _ => 8 };
        return new ModelConfig
        {
            Task = task, Head = t.Head, InChannels = t.InChannels, Height = t.Height, Width = t.Width, Patch = p,
            DModel = d, Expand = 2, DState = 4, NLayers = layers, DConv = 4, NumOutputs = t.Outputs, ConvSilu = convSilu,
        };
    }

    public string Checkpoint(ModelConfig cfg, int seed = 3, string name = "model.safetensors")
    {
        string path = File(name);
        RandomCheckpoint.Write(path, cfg, seed);
        return path;
    }

    public void Dispose() { try { Directory.Delete(Dir, true); } catch (IOException) { } }
}
