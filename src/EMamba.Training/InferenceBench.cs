using System.Diagnostics;
using EMamba.Training.Checkpoints;
using EMamba.Training.Runtime;
using static TorchSharp.torch;

namespace EMamba.Training;

/// <summary>The TorchSharp side of <c>emamba bench engine</c>: FP32 inference (eval mode, no_grad) of the model
/// <see cref="ModelLoader"/> builds from a float checkpoint, on random inputs of the real shapes.</summary>
public static class InferenceBench
{
    /// <summary>One measured contender; <paramref name="Blas"/> names the BLAS its matrix products ran on.</summary>
    public sealed record Result(string Name, int Batch, int Threads, int Frames, double FramesPerSecond, double UsPerFrame, long Parameters, string Blas);

    /// <summary>Times <paramref name="frames"/> frames (rounded up to whole batches) after two warm-up batches.</summary>
    public static Result Run(string checkpoint, int batch, int frames, int threads)
    {
        TorchThreads.Set(threads);
        var ck = Checkpoint.Load(checkpoint);
        var model = ModelLoader.Load(ck);
        model.eval();
        var c = ck.Config.Model;
        manual_seed(1);
        int iters = Math.Max(1, (frames + batch - 1) / batch);
        using var noGrad = no_grad();
        using var x = randn(batch, c.InChannels, c.Height, c.Width);   // (B, C, H, W)
        void Once()
        {
            FinalizerGate.SafePoint();
            using var scope = NewDisposeScope();
            model.forward(x);
        }
        for (int i = 0; i < 2; i++) Once();
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < iters; i++) Once();
        double sec = sw.Elapsed.TotalSeconds;
        int n = iters * batch;
        return new Result("TorchSharp FP32 (eval, no_grad)", batch, threads, n, n / sec, sec * 1e6 / n, ModelLoader.ParameterCount(model), TrainBench.LibTorchBlas());
    }
}
