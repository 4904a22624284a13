namespace EMamba.Core;

/// <summary>What a task's data set fixes about a model: the head, the geometry of one sample and the
/// number of outputs (classes, or label width for regression). The one place these sizes live; config
/// validation checks models against it, so a mismatch fails fast with the numbers instead of crashing in
/// libtorch ("Target 7 is out of bounds", a 275 GB allocation) after the data has been loaded.</summary>
/// <param name="Outputs">classes (classify), label width (regress); 0 for a language model (its vocabulary comes from the data)</param>
/// <param name="Metric">the headline metric a run of this task reports</param>
public sealed record TaskInfo(TaskKind Task, Head Head, int InChannels, int Height, int Width, int Outputs, string Metric)
{
    public static readonly IReadOnlyDictionary<TaskKind, TaskInfo> All = new Dictionary<TaskKind, TaskInfo>
    {
        // Fashion-MNIST: 28x28 grey images, 10 classes.
        [TaskKind.Fmnist] = new(TaskKind.Fmnist, Head.Classify, 1, 28, 28, 10, "accuracy"),
        // CIFAR-10: 32x32 RGB images, 10 classes.
        [TaskKind.Cifar10] = new(TaskKind.Cifar10, Head.Classify, 3, 32, 32, 10, "accuracy"),
        // MARS: 8x8 frames of 5 channels; 19 joints x (x, y, z) = 57 label values.
        [TaskKind.Mars] = new(TaskKind.Mars, Head.Regress, 5, 8, 8, 57, "mae_cm"),
        // WikiText-2: token ids; no image geometry.
        [TaskKind.Wikitext2] = new(TaskKind.Wikitext2, Head.Lm, 0, 0, 0, 0, "perplexity"),
    };

    public static TaskInfo? Find(TaskKind task) => All.GetValueOrDefault(task);
}
