namespace Mnist.Engine.Optim;

/// <summary>
/// Multiplies the learning rate by γ every <see cref="StepSize"/> steps, as PyTorch's <c>StepLR</c>
/// (https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.StepLR.html) stepped once per optimizer step:
/// lr(step) = lr · γ^⌊step / stepSize⌋.
/// </summary>
public sealed class StepSchedule : ILearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <exception cref="ArgumentOutOfRangeException">learningRate or gamma is negative or not finite, or stepSize &lt; 1.</exception>
    public StepSchedule(double learningRate, long stepSize, double gamma = 0.1)
    {
        LearningRate = HyperParameter.NonNegative(learningRate, nameof(learningRate));
        ArgumentOutOfRangeException.ThrowIfLessThan(stepSize, 1);
        StepSize = stepSize;
        Gamma = HyperParameter.NonNegative(gamma, nameof(gamma));
    }

    /// <summary>Initial learning rate.</summary>
    public double LearningRate { get; }

    /// <summary>Steps between decays.</summary>
    public long StepSize { get; }

    /// <summary>Decay factor γ.</summary>
    public double Gamma { get; }

    /// <inheritdoc/>
    public double LearningRateAt(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        return LearningRate * Math.Pow(Gamma, step / StepSize);
    }
}
