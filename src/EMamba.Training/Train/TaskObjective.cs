using EMamba.Core;
using EMamba.Data;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using EMamba.Training.Scan;

namespace EMamba.Training.Train;

/// <summary>The loss a task trains on and the metric it is judged by: cross-entropy and accuracy for
/// classification; mean squared error (in the targets' units) and mean per-coordinate MAE in cm for
/// regression (MARS targets are metres); next-token cross-entropy and perplexity for language models.</summary>
public abstract class TaskObjective
{
    public abstract string MetricName { get; }
    public abstract bool HigherIsBetter { get; }

    // output (B, K) and target (B) class indices or (B, K) values -> scalar mean loss
    public abstract Tensor Loss(Tensor output, Tensor target);

    /// <summary>Accumulates the metric over the batches of one pass.</summary>
    public abstract Tally NewTally();

    public static TaskObjective For(ModelConfig cfg) => cfg.Head switch
    {
        Head.Classify => new Classification(),
        Head.Regress => new Regression(),
        Head.Lm => new LanguageModel(),
        _ => throw new EMambaException($"head '{cfg.Head.Name()}' has no objective", ExitCodes.BadConfig),
    };

    /// <summary>Is <paramref name="a"/> a better metric value than <paramref name="b"/>?</summary>
    public bool Better(double a, double b) => HigherIsBetter ? a > b : a < b;

    public abstract class Tally
    {
        protected double LossSum;
        public int Samples { get; protected set; }
        public double MeanLoss => LossSum / Samples;

        /// <param name="meanLoss">the batch's mean loss as computed for training</param>
        public void Add(Tensor output, Tensor target, double meanLoss)
        {
            int n = Count(output, target);
            LossSum += meanLoss * n;
            Samples += n;
            AddBatch(output, target);
        }

        protected abstract void AddBatch(Tensor output, Tensor target);
        /// <summary>How many items the batch's mean loss averages over (samples; tokens for a language model).</summary>
        protected virtual int Count(Tensor output, Tensor target) => (int)output.shape[0];
        /// <summary>The primary metric.</summary>
        public abstract double Metric { get; }
        /// <summary>Every figure worth logging, primary metric included.</summary>
        public abstract Dictionary<string, double> All();
    }

    private sealed class Classification : TaskObjective
    {
        public override string MetricName => "accuracy";
        public override bool HigherIsBetter => true;
        public override Tensor Loss(Tensor output, Tensor target) => F.cross_entropy(output, target);
        public override Tally NewTally() => new ClassTally();

        private sealed class ClassTally : Tally
        {
            private long correct;
            protected override void AddBatch(Tensor output, Tensor target)
            {
                using var pred = output.argmax(1);
                correct += Metrics.Correct(pred.data<long>().ToArray(), target.data<long>().ToArray());
            }

            public override double Metric => Metrics.Accuracy(correct, Samples);
            public override Dictionary<string, double> All() => new() { ["accuracy"] = Metric, ["loss"] = MeanLoss, ["samples"] = Samples };
        }
    }

    private sealed class Regression : TaskObjective
    {
        public override string MetricName => "mae_cm";
        public override bool HigherIsBetter => false;
        public override Tensor Loss(Tensor output, Tensor target) => F.mse_loss(output, target);
        public override Tally NewTally() => new RegressionTally();

        /// <summary>Keeps every prediction so MAE/RMSE are per coordinate over the whole split, as MARS defines them.</summary>
        private sealed class RegressionTally : Tally
        {
            private readonly List<float> pred = [], target = [];
            private int dims;
            private RegressionMetrics? cached;

            protected override void AddBatch(Tensor output, Tensor t)
            {
                dims = (int)output.shape[1];
                using var o = output.detach().contiguous();
                using var tt = t.contiguous();
                pred.AddRange(o.data<float>());
                target.AddRange(tt.data<float>());
                cached = null;
            }

            private RegressionMetrics M => cached ??= Metrics.Regression(pred.ToArray(), target.ToArray(), dims);
            public override double Metric => M.MeanMae;

            public override Dictionary<string, double> All()
            {
                var d = new Dictionary<string, double> { ["mae_cm"] = M.MeanMae, ["rmse_cm"] = M.MeanRmse, ["loss"] = MeanLoss, ["samples"] = Samples };
                if (dims == 57)   // MARS: 19 joints x (x, y, z), axis-major
                {
                    var axes = M.PerAxis();
                    var names = RegressionMetrics.AxisNames;
                    for (int a = 0; a < names.Length; a++) { d[$"mae_{names[a]}_cm"] = axes[a].Mae; d[$"rmse_{names[a]}_cm"] = axes[a].Rmse; }
                }
                return d;
            }
        }
    }

    private sealed class LanguageModel : TaskObjective
    {
        public override string MetricName => "perplexity";
        public override bool HigherIsBetter => false;
        // output (B, L, V) logits, target (B, L) next tokens
        public override Tensor Loss(Tensor output, Tensor target) => F.cross_entropy(output.reshape(-1, output.shape[^1]), target.reshape(-1));
        public override Tally NewTally() => new LmTally();

        /// <summary>Perplexity = exp(mean loss per token); samples count tokens.</summary>
        private sealed class LmTally : Tally
        {
            protected override void AddBatch(Tensor output, Tensor target) { }
            protected override int Count(Tensor output, Tensor target) => (int)target.numel();
            public override double Metric => Metrics.Perplexity(LossSum, Samples);
            public override Dictionary<string, double> All() => new() { ["perplexity"] = Metric, ["loss"] = MeanLoss, ["samples"] = Samples };
        }
    }
}
