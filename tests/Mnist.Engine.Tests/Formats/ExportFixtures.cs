using Mnist.Engine.Formats;
using Mnist.Engine.Layers;
using Mnist.Engine.Networks;
using Mnist.Engine.Tensors;
using Mnist.Engine.Training;

namespace Mnist.Engine.Tests.Formats;

/// <summary>Networks and helpers shared by the exporter/importer tests.</summary>
internal static class ExportFixtures
{
    /// <summary>The architectures every exporter must handle: the two named ones and <see cref="NormNet"/>.</summary>
    public static readonly string[] NetworkNames = ["seed", "lenet", "normnet"];

    /// <summary>Builds network <paramref name="name"/> with seeded weights (and non-trivial BatchNorm statistics), in inference mode.</summary>
    public static Sequential<float> Create(string name, ulong seed = 7)
    {
        var model = name == "normnet" ? NormNet(seed) : Architectures.Create<float>(name, seed);
        model.Training = false;
        return model;
    }

    /// <summary>
    /// A small net covering what the named architectures do not: bias-free conv, padding (SAME-like and not),
    /// stride 2, BatchNorm after conv and after linear, Tanh, Sigmoid, average pooling, dropout.
    /// </summary>
    public static Sequential<float> NormNet(ulong seed)
    {
        var rng = new SplitMix(seed, 1);
        var model = new Sequential<float>([1, 28, 28],
        [
            ("conv1", new Conv2d<float>(1, 6, 5, padding: 2, bias: false, rng: rng)),
            ("bn1", new BatchNorm<float>(6)),
            ("relu1", new ReLU<float>()),
            ("pool1", new MaxPool2d<float>(2)),
            ("conv2", new Conv2d<float>(6, 8, 3, stride: 2, padding: 1, rng: rng)),
            ("bn2", new BatchNorm<float>(8)),
            ("tanh", new Tanh<float>()),
            ("pool2", new AvgPool2d<float>(2)),
            ("flatten", new Flatten<float>()),
            ("fc1", new Linear<float>(72, 16, rng: rng)),
            ("bn3", new BatchNorm<float>(16)),
            ("sigmoid", new Sigmoid<float>()),
            ("dropout", new Dropout<float>(0.3)),
            ("fc2", new Linear<float>(16, 10, rng: rng)),
        ]);
        foreach (var bn in model.UnfusedLayers.OfType<BatchNorm<float>>())
        {
            for (int c = 0; c < bn.Channels; c++)
            {
                bn.Weight.Value.Span[c] = 0.5f + rng.NextSingle();
                bn.Bias.Value.Span[c] = rng.NextSingle() - 0.5f;
                bn.RunningMean[c] = (rng.NextSingle() - 0.5f) * 0.4f;
                bn.RunningVar[c] = 0.2f + rng.NextSingle();
            }
        }

        return model;
    }

    /// <summary>A card for a test export.</summary>
    public static ModelCard Card(Sequential<float> model, string name) =>
        ModelCard.Create(model, name, testAccuracy: null, trainingSeconds: null, seed: 7, commandLine: "test");

    /// <summary>Uniform random images in [0,1], [n,1,28,28].</summary>
    public static Tensor<float> RandomImages(int n, int seed)
    {
        var random = new Random(seed);
        var data = new float[n * 784];
        for (int i = 0; i < data.Length; i++) data[i] = random.NextSingle();
        return new Tensor<float>(data, n, 1, 28, 28);
    }

    /// <summary>The engine's probabilities (a copy).</summary>
    public static Tensor<float> Probabilities(Sequential<float> model, Tensor<float> x) => Predictions.Predict(model, x).Clone();

    public static double MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        double m = 0;
        for (int i = 0; i < a.Length; i++) m = Math.Max(m, Math.Abs((double)a[i] - b[i]));
        return m;
    }

    public static int[] ArgMax(ReadOnlySpan<float> rows, int classes)
    {
        var r = new int[rows.Length / classes];
        for (int i = 0; i < r.Length; i++)
        {
            var row = rows.Slice(i * classes, classes);
            int best = 0;
            for (int j = 1; j < classes; j++) if (row[j] > row[best]) best = j;
            r[i] = best;
        }

        return r;
    }

    /// <summary>The trained third-party LeNet-5 (PyTorch export) from the shared folder CI puts beside the repository;
    /// when absent the test stops as a visible skip (outside CI) or a failure (in CI).</summary>
    public static string ThirdPartyLeNet() =>
        global::Mnist.Testing.TestEnvironment.SharedFile("models-thirdparty/lenet5-pytorch.onnx", "the PyTorch LeNet-5 fixture ships with CI's shared folder");
}
