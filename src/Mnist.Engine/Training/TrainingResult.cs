namespace Mnist.Engine.Training;

/// <summary>The outcome of <see cref="TrainingSession.Run"/>.</summary>
/// <param name="History">Metrics of every epoch of the run (including epochs done before a resume).</param>
/// <param name="Final">Full evaluation of the final model on the test set.</param>
/// <param name="TrainSeconds">Cumulative training time (optimizer steps only), across resumes.</param>
/// <param name="WallSeconds">Wall time of this <see cref="TrainingSession.Run"/> call.</param>
/// <param name="ResumedFromEpoch">Epochs that were already complete when this process started (0 for a fresh run).</param>
public sealed record TrainingResult(
    IReadOnlyList<EpochMetrics> History,
    EvaluationResult Final,
    double TrainSeconds,
    double WallSeconds,
    int ResumedFromEpoch);
