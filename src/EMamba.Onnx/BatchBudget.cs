using EMamba.Core;

namespace EMamba.Onnx;

/// <summary>How many samples to hand ONNX Runtime at once. The largest intermediate of an exported graph is the
/// PWL exp's (knots + 1) x (T, N, Din) clamp per sample (docs/onnx.md): 6.8 MB a sample for cifar10-base, so a
/// batch of 256 held about 8 GB at once. Batches are capped so that tensor stays within 256 MB.</summary>
public static class BatchBudget
{
    public const long MaxTensorBytes = 256L << 20;

    public static int Samples(ModelConfig c, int expKnots, int wanted)
    {
        long perSample = (long)Math.Max(1, c.Tokens) * c.DState * c.DInner * (expKnots + 1) * sizeof(float);
        return (int)Math.Clamp(MaxTensorBytes / perSample, 1, Math.Max(1, wanted));
    }
}
