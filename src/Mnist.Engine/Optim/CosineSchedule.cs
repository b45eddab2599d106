namespace Mnist.Engine.Optim;

/// <summary>
/// Linear warm-up, then cosine annealing to a floor (SGDR without restarts, https://arxiv.org/abs/1608.03983):
/// <code>
/// step &lt; W:        lr · (step + 1) / W
/// W ≤ step &lt; N:    lrMin + (lr − lrMin) · (1 + cos(π·(step − W)/(N − W))) / 2
/// step ≥ N:        lrMin
/// </code>
/// with N = totalSteps and W = warmupSteps. Without warm-up this is PyTorch's <c>CosineAnnealingLR</c> with
/// T_max = N in closed form. The warm-up ends at exactly lr on step W − 1.
/// </summary>
public sealed class CosineSchedule : ILearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <exception cref="ArgumentOutOfRangeException">learningRate is negative or not finite, totalSteps &lt; 1, minLearningRate is
    /// outside [0, learningRate], or warmupSteps is outside [0, totalSteps).</exception>
    public CosineSchedule(double learningRate, long totalSteps, double minLearningRate = 0, long warmupSteps = 0)
    {
        LearningRate = HyperParameter.NonNegative(learningRate, nameof(learningRate));
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 1);
        if (!(minLearningRate >= 0 && minLearningRate <= learningRate))
            throw new ArgumentOutOfRangeException(nameof(minLearningRate), minLearningRate, "minLearningRate must be in [0, learningRate].");
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(warmupSteps, totalSteps);
        TotalSteps = totalSteps;
        MinLearningRate = minLearningRate;
        WarmupSteps = warmupSteps;
    }

    /// <summary>Peak learning rate (after warm-up).</summary>
    public double LearningRate { get; }

    /// <summary>Step at which the floor is reached.</summary>
    public long TotalSteps { get; }

    /// <summary>The floor.</summary>
    public double MinLearningRate { get; }

    /// <summary>Number of linear warm-up steps.</summary>
    public long WarmupSteps { get; }

    /// <inheritdoc/>
    public double LearningRateAt(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        if (step < WarmupSteps) return LearningRate * (step + 1) / WarmupSteps;
        if (step >= TotalSteps) return MinLearningRate;
        double progress = (double)(step - WarmupSteps) / (TotalSteps - WarmupSteps);
        return MinLearningRate + (LearningRate - MinLearningRate) * (1 + Math.Cos(Math.PI * progress)) / 2;
    }
}
