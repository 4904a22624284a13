using EMamba.Data;
using EMamba.Training.Data;
using EMamba.Training.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace EMamba.Training;

/// <summary>Loss and metric of a model over a whole split, in eval mode without gradients.</summary>
public static class Evaluator
{
    public sealed record Result(double Loss, double Accuracy, int Samples);

    public static Result Classify(MambaModel model, ImageDataset ds, Normalizer norm, int batchSize = 500,
        Action<int, int>? progress = null)
    {
        model.eval();
        using var _ = no_grad();
        double lossSum = 0;
        long correct = 0;
        var idx = new int[batchSize];
        int batches = (ds.Count + batchSize - 1) / batchSize;
        for (int b = 0; b < batches; b++)
        {
            using var scope = NewDisposeScope();
            int start = b * batchSize, n = Math.Min(batchSize, ds.Count - start);
            for (int i = 0; i < n; i++) idx[i] = start + i;
            var x = ImageBatches.Images(ds, idx.AsSpan(0, n), norm);
            var y = ImageBatches.Labels(ds, idx.AsSpan(0, n));
            var logits = model.forward(x);                                   // (n, classes)
            lossSum += F.cross_entropy(logits, y, reduction: nn.Reduction.Sum).item<float>();
            correct += logits.argmax(1).eq(y).sum().item<long>();
            progress?.Invoke(b + 1, batches);
        }
        return new Result(lossSum / ds.Count, 100.0 * correct / ds.Count, ds.Count);
    }
}
