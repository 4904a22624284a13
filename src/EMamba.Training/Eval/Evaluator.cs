using EMamba.Data;
using static TorchSharp.torch;
using EMamba.Training.Batching;
using EMamba.Training.Runtime;
using EMamba.Training.Scan;
using EMamba.Training.Train;

namespace EMamba.Training.Eval;

/// <summary>Loss and metrics of a model over a whole split, in eval mode without gradients.</summary>
public static class Evaluator
{
    public static TaskObjective.Tally Run(nn.Module<Tensor, Tensor> model, IDataset ds, Normalizer norm, TaskObjective objective,
        int batchSize = 500, Action<int, int>? progress = null)
    {
        model.eval();
        using var _ = no_grad();
        var tally = objective.NewTally();
        var idx = new int[batchSize];
        int batches = (ds.Count + batchSize - 1) / batchSize;
        for (int b = 0; b < batches; b++)
        {
            FinalizerGate.SafePoint();
            using var scope = NewDisposeScope();
            int start = b * batchSize, n = Math.Min(batchSize, ds.Count - start);
            for (int i = 0; i < n; i++) idx[i] = start + i;
            var x = Batches.Inputs(ds, idx.AsSpan(0, n), norm);
            var y = Batches.Targets(ds, idx.AsSpan(0, n));
            var output = model.forward(x);                                   // (n, K)
            tally.Add(output, y, objective.Loss(output, y).item<float>());
            progress?.Invoke(b + 1, batches);
        }
        return tally;
    }
}
