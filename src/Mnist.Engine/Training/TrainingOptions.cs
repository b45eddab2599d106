using Mnist.Engine.Data;
using Mnist.Engine.Data.NonDigits;
using Mnist.Engine.Layers;

namespace Mnist.Engine.Training;

/// <summary>Run settings of a <see cref="TrainingSession"/> that are not part of the recipe.</summary>
public sealed record TrainingOptions
{
    /// <summary>Epochs to train (null: the recipe's).</summary>
    public int? Epochs { get; init; }

    /// <summary>Seed of weights, dropout, shuffling and augmentation.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Dataset id recorded in checkpoints.</summary>
    public string Dataset { get; init; } = "mnist";

    /// <summary>When set, a full checkpoint is written here atomically after every epoch and on cancellation.</summary>
    public string? CheckpointPath { get; init; }

    /// <summary>When set, the checkpoint after epoch <see cref="BranchPointEpoch"/> is also kept here: where branches of
    /// the run start (<see cref="TrainingSession.Branch"/>).</summary>
    public string? BranchPointPath { get; init; }

    /// <summary>The epoch after which <see cref="BranchPointPath"/> is written.</summary>
    public int BranchPointEpoch { get; init; }

    /// <summary>Drawn digits to mix into the training set, re-rendered with fresh augmentation every epoch; null for none.</summary>
    public DrawnTrainingSet? Drawn { get; init; }

    /// <summary>Non-digits (shapes, other objects) to mix in with a uniform target, fresh every epoch; null for none.</summary>
    public NonDigitTrainingSet? NonDigits { get; init; }

    /// <summary>Teachers whose averaged soft targets the student also learns from (knowledge distillation); null for none.</summary>
    public Distillation? Distillation { get; init; }

    /// <summary>
    /// Share of the training samples seen as in a photo (<see cref="Data.Augmentation.AugmentationOptions.PhotoProbability"/>)
    /// instead of the recipe's; null keeps the recipe's.
    /// </summary>
    public float? PhotoProbability { get; init; }

    /// <summary>Threads that build (augment) batches; they run one batch ahead of the optimizer.</summary>
    public int LoaderThreads { get; init; } = Environment.ProcessorCount;

    /// <summary>Samples per forward pass when evaluating.</summary>
    public int EvaluationBatchSize { get; init; } = 1000;

    /// <summary>Builds the network for (architecture, seed); tests substitute small models. Default: <see cref="Networks.Architectures.Create{T}"/>.</summary>
    internal Func<string, ulong, Sequential<float>>? ModelFactory { get; init; }
}
