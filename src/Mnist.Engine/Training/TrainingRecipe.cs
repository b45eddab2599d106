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
    /// Augmentation that replaces <see cref="Augmentation"/> for particular datasets (by catalog id), for classes
    /// whose label survives other changes than digits do: a mirrored shirt is a shirt, a mirrored 7 is not.
    /// </summary>
    public IReadOnlyDictionary<string, AugmentationOptions> AugmentationByDataset { get; init; } =
        new Dictionary<string, AugmentationOptions>();

    /// <summary>The augmentation used when training on <paramref name="dataset"/> (a catalog id such as "mnist").</summary>
    public AugmentationOptions AugmentationFor(string dataset) =>
        AugmentationByDataset.TryGetValue(dataset, out var options) ? options : Augmentation;
}
