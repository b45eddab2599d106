namespace Mnist.Engine.Optim;

/// <summary>A learning rate as a function of the optimizer step.</summary>
/// <remarks>Use: <c>optimizer.LearningRate = schedule.LearningRateAt(optimizer.StepCount); optimizer.Step();</c>.
/// Schedules are pure functions of the step, so a resumed run needs no schedule state.</remarks>
public interface ILearningRateSchedule
{
    /// <summary>The learning rate for the step about to be taken; <paramref name="step"/> is 0-based (the
    /// optimizer's <see cref="Optimizer{T}.StepCount"/> before the step).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="step"/> is negative (or past a schedule's end where it says so).</exception>
    double LearningRateAt(long step);
}
