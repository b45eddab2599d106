using Mnist.Engine.Data;
using Mnist.Engine.Data.NonDigits;

namespace Mnist.Engine.Training;

/// <summary>
/// Where a training run stands, apart from tensors: what is being trained, how far it got, and the
/// metrics so far. A <see cref="Checkpoint"/> stores it beside the weights and optimizer state.
/// </summary>
public sealed record TrainingState
{
    /// <summary>Architecture name (<see cref="Networks.Architectures"/>).</summary>
    public required string Architecture { get; init; }

    /// <summary>Recipe name (<see cref="TrainingRecipes"/>).</summary>
    public required string Recipe { get; init; }

    /// <summary>Seed of weights, dropout, shuffling and augmentation.</summary>
    public ulong Seed { get; init; }

    /// <summary>Dataset id (<c>mnist</c> or <c>fashion</c>).</summary>
    public string Dataset { get; init; } = "mnist";

    /// <summary>Training samples of the dataset used per epoch (the whole training split, or a <c>--limit</c> subset);
    /// drawn digits mixed in (<see cref="Drawn"/>) come on top.</summary>
    public int TrainCount { get; init; }

    /// <summary>The drawn digits mixed into the training set, or null for none.</summary>
    public DrawnTrainingState? Drawn { get; init; }

    /// <summary>The non-digits mixed into the training set (uniform targets), or null for none.</summary>
    public NonDigitTrainingState? NonDigits { get; init; }

    /// <summary>The teachers, weight and temperature of knowledge distillation, or null for a run without teachers.</summary>
    public DistillationState? Distillation { get; init; }

    /// <summary>Where this run branched off another (<see cref="TrainingSession.Branch"/>), or null for a run of its own.</summary>
    public BranchState? Branch { get; init; }

    /// <summary>Share of the training samples seen as in a photo (<see cref="Data.Augmentation.AugmentationOptions.PhotoProbability"/>); 0 for none.</summary>
    public float PhotoProbability { get; init; }

    /// <summary>Decay of the weight average evaluated and saved instead of the raw weights, or null for none.</summary>
    public double? WeightAverageDecay { get; init; }

    /// <summary>Test samples evaluated after each epoch (the whole test split, or a subset for quick runs).</summary>
    public int TestCount { get; init; }

    /// <summary>Epochs the run was started for (the LR schedule spans them).</summary>
    public int Epochs { get; init; }

    /// <summary>Epochs fully done (trained, evaluated, in <see cref="History"/>).</summary>
    public int EpochsCompleted { get; init; }

    /// <summary>Batches already done of epoch <see cref="EpochsCompleted"/>+1 (non-zero only after an interruption mid-epoch).</summary>
    public int BatchesCompleted { get; init; }

    /// <summary>The draws non-digit mining kept for epoch <see cref="EpochsCompleted"/>+1 (<see cref="NonDigitTrainingSet.Render"/>),
    /// while <see cref="BatchesCompleted"/> is non-zero; a resumed run renders that epoch from them.</summary>
    public byte[]? MinedDraws { get; init; }

    /// <summary>Σ batch loss × batch size over those batches (so the epoch's mean loss continues exactly).</summary>
    public double PartialLossSum { get; init; }

    /// <summary>Samples in those batches.</summary>
    public long PartialSamples { get; init; }

    /// <summary>Cumulative training time in seconds (<see cref="EpochMetrics.Seconds"/>).</summary>
    public double TrainSeconds { get; init; }

    /// <summary>Metrics of the completed epochs.</summary>
    public IReadOnlyList<EpochMetrics> History { get; init; } = [];
}

/// <summary>Where a branch left the run it continues: that run's seed and the epochs it had done.</summary>
/// <param name="TrunkSeed">The seed of the run branched off (its weights and first epochs' data).</param>
/// <param name="AfterEpoch">Epochs done when the branch began; from the next one on, the branch's own seed draws the data.</param>
public sealed record BranchState(ulong TrunkSeed, int AfterEpoch);
