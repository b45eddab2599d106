using Mnist.Engine.Data;
using Mnist.Engine.Data.Augmentation;
using Mnist.Engine.Layers;
using Mnist.Engine.Optim;
using Mnist.Engine.Tests.Data;
using Mnist.Engine.Training;

namespace Mnist.Engine.Tests.Training;

/// <summary>Real MNIST loaded once per test run, small subsets of it, and a tiny network that has every kind of state.</summary>
internal static class TrainingTestData
{
    private static readonly Lazy<(MnistDataset Train, MnistDataset Test)> s_mnist =
        new(() => MnistDataset.LoadTrainTest(MnistTestData.MnistFolder()));

    public static MnistDataset Train(int count) => s_mnist.Value.Train.Take(count);

    public static MnistDataset Test(int count) => s_mnist.Value.Test.Take(count);

    /// <summary>Conv → BatchNorm → ReLU → MaxPool → Flatten → Dropout → Linear: parameters, running statistics and a dropout generator.</summary>
    public static Sequential<float> TinyNet(ulong seed) =>
        new([1, 28, 28],
        [
            ("conv1", new Conv2d<float>(1, 4, 5, stride: 2, rng: new Tensors.SplitMix(seed, 1))),
            ("bn1", new BatchNorm<float>(4)),
            ("relu1", new ReLU<float>()),
            ("pool1", new MaxPool2d<float>(2)),
            ("flatten", new Flatten<float>()),
            ("dropout", new Dropout<float>(0.3, new Tensors.SplitMix(seed, 2))),
            ("fc", new Linear<float>(4 * 6 * 6, 10, rng: new Tensors.SplitMix(seed, 1))),
        ]);

    /// <summary>A recipe for <see cref="TinyNet"/> with augmentation, a step-dependent schedule, label smoothing and a partial last batch.</summary>
    public static TrainingRecipe TinyRecipe { get; } = new(
        "tiny", "tiny", 2, 50,
        p => new Adam<float>(p, 2e-3),
        steps => new CosineSchedule(2e-3, steps),
        AugmentationOptions.Light, 0.05, "Test recipe");

    public static TrainingOptions TinyOptions(string? checkpoint = null) => new()
    {
        Seed = 7,
        CheckpointPath = checkpoint,
        ModelFactory = (_, seed) => TinyNet(seed),
    };
}
