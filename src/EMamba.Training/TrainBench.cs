using System.Diagnostics;
using EMamba.Core;
using EMamba.Training.Modules;
using EMamba.Training.Optim;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace EMamba.Training;

/// <summary>Times full training steps (forward, loss, backward, clipping, AdamW) of a vision model on
/// random inputs of the real shapes: the same work the PyTorch peer script does.</summary>
public static class TrainBench
{
    public sealed record Result(string Name, double SamplesPerSecond, double StepMs, long Parameters);

    public static Result Run(ModelConfig cfg, int batchSize, int steps, int warmup, bool naiveScan, int seed = 1)
    {
        manual_seed(seed);
        var model = new MambaModel(cfg, naiveScan: naiveScan);
        var opt = new AdamW(model.named_parameters().Select(np => (np.name, np.parameter)), (_, p) => p.dim() >= 2, 0.05);
        model.train();
        using var x = randn(batchSize, cfg.InChannels, cfg.Height, cfg.Width);   // (B, C, H, W)
        using var y = randint(0, cfg.NumOutputs, [batchSize]);                    // (B)
        void Step()
        {
            FinalizerGate.SafePoint();
            using var scope = NewDisposeScope();
            var loss = F.cross_entropy(model.forward(x), y);
            opt.ZeroGrad();
            loss.backward();
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            opt.StepWith(1e-3);
        }
        for (int i = 0; i < warmup; i++) Step();
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++) Step();
        double sec = sw.Elapsed.TotalSeconds;
        return new Result(naiveScan ? $"eMamba.NET, naive scan (TorchSharp ops, {steps} steps)" : "eMamba.NET, fused scan",
            batchSize * steps / sec, 1000 * sec / steps, model.ParameterCount());
    }
}
