using Mnist.Engine.Data.Augmentation;
using Mnist.Engine.Optim;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Training;

/// <summary>
/// Everything that defines a training run besides the data and the seed: the architecture, the
/// optimizer and its schedule, batch size, epochs, augmentation and label smoothing.
/// </summary>
/// <param name="Name">Recipe name as given to <c>mnist train --arch</c>.</param>
/// <param name="Architecture">Name understood by <see cref="Networks.Architectures.Create{T}"/>.</param>
/// <param name="Epochs">Default number of epochs.</param>
/// <param name="BatchSize">Samples per optimizer step.</param>
/// <param name="CreateOptimizer">Builds the optimizer for a model's parameters.</param>
/// <param name="CreateSchedule">Learning-rate schedule for a run of the given total number of steps, or null to keep the optimizer's rate.</param>
/// <param name="Augmentation">On-the-fly augmentation of training images.</param>
/// <param name="LabelSmoothing">Label smoothing ε of the cross-entropy loss.</param>
/// <param name="Description">One line for help texts and model cards.</param>
public sealed record TrainingRecipe(
    string Name,
    string Architecture,
    int Epochs,
    int BatchSize,
    Func<ParameterSet<float>, Optimizer<float>> CreateOptimizer,
    Func<long, ILearningRateSchedule>? CreateSchedule,
    AugmentationOptions Augmentation,
    double LabelSmoothing,
    string Description)
{
    /// <summary>
    /// What changes when training on particular datasets (by catalog id): clothing keeps its label under changes that
    /// digits do not survive (a mirrored shirt is a shirt, a mirrored 7 is not) and needs a larger network than digits.
    /// </summary>
    public IReadOnlyDictionary<string, DatasetVariant> ByDataset { get; init; } = new Dictionary<string, DatasetVariant>();

    /// <summary>
    /// Decay of a <see cref="WeightAverage"/> kept during training and evaluated and saved instead of the last weights,
    /// or null to use the last weights.
    /// </summary>
    public double? WeightAverageDecay { get; init; }

    /// <summary>
    /// This recipe as it trains on <paramref name="dataset"/> (a catalog id such as "mnist"): the dataset's
    /// <see cref="DatasetVariant"/> applied, or the recipe itself when it has none.
    /// </summary>
    public TrainingRecipe ForDataset(string dataset) =>
        ByDataset.TryGetValue(dataset, out var v)
            ? this with
            {
                Architecture = v.Architecture ?? Architecture,
                Augmentation = v.Augmentation ?? Augmentation,
                Epochs = v.Epochs ?? Epochs,
                Description = v.Description ?? Description,
            }
            : this;
}

/// <summary>The parts of a <see cref="TrainingRecipe"/> that one dataset replaces; null keeps the recipe's.</summary>
public sealed record DatasetVariant
{
    /// <summary>Architecture name instead of the recipe's.</summary>
    public string? Architecture { get; init; }

    /// <summary>Augmentation instead of the recipe's.</summary>
    public AugmentationOptions? Augmentation { get; init; }

    /// <summary>Default number of epochs instead of the recipe's.</summary>
    public int? Epochs { get; init; }

    /// <summary>Description instead of the recipe's.</summary>
    public string? Description { get; init; }
}
