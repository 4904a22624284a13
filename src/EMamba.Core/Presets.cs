namespace EMamba.Core;

/// <summary>Built-in configurations; <c>configs/*.json</c> in the repository hold the same values
/// (a test keeps them in step) so users can copy and edit one.</summary>
public static class Presets
{
    public static readonly IReadOnlyDictionary<string, RunConfig> All = WithBaselines(Mamba());

    private static Dictionary<string, RunConfig> WithBaselines(Dictionary<string, RunConfig> mamba) =>
        mamba.Concat(Baselines.For(mamba)).ToDictionary();

    private static Dictionary<string, RunConfig> Mamba()
    {
        // CIFAR-10 (32x32 RGB, P=4 -> 64 tokens), about 139 K parameters.
        var cifar = new ModelConfig { Task = TaskKind.Cifar10, InChannels = 3, Height = 32, Width = 32, Patch = 4 };
        var cifarBase = cifar with { DModel = 64, Expand = 2, DState = 16, NLayers = 4 };
        var cifarBudget = new TrainConfig { Epochs = 12, BatchSize = 128, Lr = 2e-3, WarmupSteps = 400 };
        // MARS radar pose as the paper sizes it: 8x8x5 frames, 2x2 patches -> 16 tokens, D=20, E=2,
        // N=8, M=2; 57 outputs (19 joints x xyz, metres) from the mean over tokens.
        var mars = new RunConfig
        {
            Model = new ModelConfig
            {
                Task = TaskKind.Mars, InChannels = 5, Height = 8, Width = 8, Patch = 2, DModel = 20, Expand = 2, DState = 8, NLayers = 2,
                Head = Head.Regress, NumOutputs = 57,
            },
            Train = new TrainConfig { Epochs = 100, BatchSize = 128, Lr = 3e-3, WarmupSteps = 200 },
        };
        return new()
        {
            // About 20 K parameters: the quick model of the demo.
            ["fmnist-small"] = new()
            {
                Model = new ModelConfig { Task = TaskKind.Fmnist, DModel = 32, Expand = 2, DState = 8, NLayers = 2, Patch = 4 },
                Train = new TrainConfig { Epochs = 6, BatchSize = 128, Lr = 4e-3, WarmupSteps = 200 },
            },
            // About 130 K parameters: the accuracy reference for Fashion-MNIST.
            ["fmnist-base"] = new()
            {
                Model = new ModelConfig { Task = TaskKind.Fmnist, DModel = 64, Expand = 2, DState = 16, NLayers = 4, Patch = 4 },
                Train = new TrainConfig { Epochs = 15, BatchSize = 128, Lr = 2e-3, WarmupSteps = 400 },
            },
            // The CIFAR accuracy model: random crop + flip and a long schedule.
            ["cifar10-base"] = new() { Model = cifarBase, Train = cifarBudget with { Epochs = 60, Augment = true } },
            // The same model on the operator-ablation budget: 12 epochs, no augmentation.
            ["cifar10-ablation"] = new() { Model = cifarBase, Train = cifarBudget },
            // About 20 K parameters: the quick CIFAR model, with augmentation.
            ["cifar10-small"] = new()
            {
                Model = cifar with { DModel = 32, Expand = 2, DState = 8, NLayers = 2 },
                Train = new TrainConfig { Epochs = 30, BatchSize = 128, Lr = 4e-3, WarmupSteps = 200, Augment = true },
            },
            ["mars-paper"] = mars,
            // WikiText-2 word-level LM: the vocabulary (from the training file) is set from the data; a
            // 64-wide tied embedding keeps its share of the parameters down; 128-token BPTT segments.
            // 6 epochs: with only valid.txt to train on (196 K tokens) validation perplexity is best
            // near epoch 4 and then rises (a 15-epoch run: 633 at epoch 4, 720 at epoch 6).
            ["wikitext2-small"] = new()
            {
                Model = new ModelConfig { Task = TaskKind.Wikitext2, Head = Head.Lm, DModel = 128, Expand = 2, DState = 16, NLayers = 4, EmbedDim = 64 },
                Train = new TrainConfig { Epochs = 6, BatchSize = 32, SeqLen = 128, Lr = 2e-3, WarmupSteps = 50, WeightDecay = 0.1 },
            },
            // The demo's quick versions: MARS at a fifth of the epochs; a two-block LM for one epoch.
            ["mars-demo"] = mars with { Train = mars.Train with { Epochs = 20 } },
            ["wikitext2-demo"] = new()
            {
                Model = new ModelConfig { Task = TaskKind.Wikitext2, Head = Head.Lm, DModel = 64, Expand = 2, DState = 8, NLayers = 2, EmbedDim = 32 },
                Train = new TrainConfig { Epochs = 1, BatchSize = 32, SeqLen = 128, Lr = 3e-3, WarmupSteps = 20, WeightDecay = 0.1 },
            },
        };
    }

    /// <summary>A preset name or a path to a JSON config file.</summary>
    public static RunConfig Resolve(string nameOrPath) =>
        All.TryGetValue(nameOrPath, out var cfg) ? cfg : RunConfig.Load(nameOrPath);

    /// <summary>The default preset of a task when no config is given.</summary>
    public static string DefaultFor(TaskKind task) => task switch
    {
        TaskKind.Fmnist => "fmnist-small",
        TaskKind.Cifar10 => "cifar10-base",
        TaskKind.Mars => "mars-paper",
        TaskKind.Wikitext2 => "wikitext2-small",
        _ => throw new EMambaException($"task '{task.Name()}' has no built-in config yet; pass --config", ExitCodes.BadConfig),
    };
}
