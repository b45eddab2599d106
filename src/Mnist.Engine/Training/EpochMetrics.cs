namespace Mnist.Engine.Training;

/// <summary>What one training epoch achieved (one line of <c>mnist train --json</c>, one point of the report's curves).</summary>
/// <param name="Epoch">Epoch number, from 1.</param>
/// <param name="TrainLoss">Mean training loss over the epoch's samples (as the optimizer saw them: augmented, in training mode).</param>
/// <param name="TestAccuracy">Test accuracy after the epoch, in [0,1].</param>
/// <param name="TestLoss">Mean test cross-entropy after the epoch.</param>
/// <param name="Seconds">Cumulative training wall time up to the end of this epoch: optimizer steps and the forward passes of distillation's teachers and of non-digit mining; data loading and evaluation excluded.</param>
/// <param name="EpochSeconds">Training wall time of this epoch alone (same definition).</param>
/// <param name="WallSeconds">Wall time of this epoch including waiting for data and the evaluation (within the process that ran it).</param>
/// <param name="LearningRate">Learning rate of the epoch's last step.</param>
/// <param name="Samples">Training samples seen in this epoch.</param>
/// <param name="LastWeightsAccuracy">With a weight average (whose accuracy <paramref name="TestAccuracy"/> is): the test accuracy of the
/// last weights themselves, which shows what the average adds; null otherwise.</param>
public sealed record EpochMetrics(
    int Epoch,
    double TrainLoss,
    double TestAccuracy,
    double TestLoss,
    double Seconds,
    double EpochSeconds,
    double WallSeconds,
    double LearningRate,
    long Samples,
    double? LastWeightsAccuracy = null);
