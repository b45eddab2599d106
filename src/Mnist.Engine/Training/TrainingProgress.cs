namespace Mnist.Engine.Training;

/// <summary>A progress report after each optimizer step.</summary>
/// <param name="Epoch">Current epoch, from 1.</param>
/// <param name="Epochs">Epochs of the whole run.</param>
/// <param name="Batch">Batches done in this epoch, from 1.</param>
/// <param name="BatchesPerEpoch">Batches per epoch.</param>
/// <param name="RunningLoss">Mean training loss of this epoch so far.</param>
/// <param name="SamplesPerSecond">Training throughput of this epoch so far (wall clock, data waits included).</param>
/// <param name="Eta">Estimated time to the end of the run (evaluations not included).</param>
/// <param name="Seconds">Cumulative training time so far (steps only).</param>
public readonly record struct TrainingProgress(
    int Epoch,
    int Epochs,
    int Batch,
    int BatchesPerEpoch,
    double RunningLoss,
    double SamplesPerSecond,
    TimeSpan Eta,
    double Seconds);
