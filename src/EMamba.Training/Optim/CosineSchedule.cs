namespace EMamba.Training.Optim;

/// <summary>Linear warm-up to the peak rate, then cosine decay to peak * minRatio at the last step.</summary>
public sealed record CosineSchedule(double Peak, long WarmupSteps, long TotalSteps, double MinRatio)
{
    public double At(long step)
    {
        if (WarmupSteps > 0 && step < WarmupSteps) return Peak * (step + 1) / WarmupSteps;
        long span = Math.Max(1, TotalSteps - WarmupSteps);
        double t = Math.Clamp((double)(step - WarmupSteps) / span, 0, 1);
        return Peak * (MinRatio + (1 - MinRatio) * 0.5 * (1 + Math.Cos(Math.PI * t)));
    }
}
