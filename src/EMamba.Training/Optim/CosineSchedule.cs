namespace EMamba.Training.Optim;

/// <summary>Linear warm-up to the peak rate, then cosine decay to peak * minRatio at the last step.</summary>
public sealed record CosineSchedule(double Peak, long WarmupSteps, long TotalSteps, double MinRatio)
{
    /// <summary>The warm-up a run actually uses: train.warmup_steps, but at most 10 % of the run's
    /// optimiser steps, so a short run (few samples or epochs) still reaches its peak rate. Full runs
    /// are unaffected whenever warmup_steps is below a tenth of their steps.</summary>
    public static long EffectiveWarmup(long configured, long totalSteps) => Math.Max(0, Math.Min(configured, totalSteps / 10));

    public double At(long step)
    {
        if (WarmupSteps > 0 && step < WarmupSteps) return Peak * (step + 1) / WarmupSteps;
        long span = Math.Max(1, TotalSteps - WarmupSteps);
        double t = Math.Clamp((double)(step - WarmupSteps) / span, 0, 1);
        return Peak * (MinRatio + (1 - MinRatio) * 0.5 * (1 + Math.Cos(Math.PI * t)));
    }
}
