namespace Mnist.Engine.Optim;

/// <summary>The same learning rate at every step.</summary>
public sealed class ConstantSchedule : ILearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="learningRate"/> is negative or not finite.</exception>
    public ConstantSchedule(double learningRate) =>
        LearningRate = HyperParameter.NonNegative(learningRate, nameof(learningRate));

    /// <summary>The learning rate.</summary>
    public double LearningRate { get; }

    /// <inheritdoc/>
    public double LearningRateAt(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        return LearningRate;
    }
}
