using System.Diagnostics;
using Mnist.Engine.Data;
using Mnist.Engine.Data.Augmentation;
using Mnist.Engine.Formats;
using Mnist.Engine.Layers;
using Mnist.Engine.Networks;
using Mnist.Engine.Tensors;
using Mnist.Engine.Training;

namespace Mnist.TestSupport;

/// <summary>
/// The model the app tests run: the shipped <c>models/mnist.onnx</c> when it exists, else a <c>lenet</c> trained
/// briefly here (seeded; a few hundred Adam steps on augmented MNIST) and exported with the engine's ONNX exporter,
/// cached in the temp folder under the hash of the code that produces it (so a changed exporter or trainer retrains).
/// </summary>
internal static class TestModel
{
    /// <summary>Keyed by the hash of the code that trains and exports the model (engine and this recipe).</summary>
    private static string CacheName => $"lenet-brief-{(global::Mnist.Testing.TestEnvironment.ProducerKey(typeof(Trainer), typeof(TestModel)))}.onnx";

    private const int Steps = 700;
    private const int BatchSize = 64;

    private static readonly Lazy<(string Path, string Description)> Model = new(Resolve);

    /// <summary>Path of the model file to use.</summary>
    public static string Path => Model.Value.Path;

    /// <summary>What the model is, for reports.</summary>
    public static string Description => Model.Value.Description;

    /// <summary>True when the shipped model is used.</summary>
    public static bool IsShipped => Model.Value.Path == TestPaths.ShippedModel;

    private static (string, string) Resolve()
    {
        if (File.Exists(TestPaths.ShippedModel)) return (TestPaths.ShippedModel, "models/mnist.onnx (shipped)");
        string dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mnist-web-tests");
        Directory.CreateDirectory(dir);
        string path = System.IO.Path.Combine(dir, CacheName);
        string description = $"test lenet: {Steps} Adam steps × {BatchSize} on MNIST with light augmentation (cached {path})";
        if (File.Exists(path)) return (path, description);
        // Two test projects may start at once: one trains, the other waits for the file.
        using FileStream gate = Mnist.Testing.TestEnvironment.LockFile(System.IO.Path.Combine(dir, CacheName + ".lock"), TimeSpan.FromMinutes(5));
        if (!File.Exists(path)) Train(path);
        return (path, description);
    }

    private static void Train(string path)
    {
        MnistDataset train = MnistDataset.Load(TestPaths.MnistData, MnistSplit.Train);
        Sequential<float> model = Architectures.Create<float>("lenet", 1);
        var trainer = new Trainer(model, TrainingRecipes.Lenet.CreateOptimizer(model.Parameters));
        var loader = new BatchLoader(train, new BatchLoaderOptions
        {
            BatchSize = BatchSize, Seed = 1, DropLast = true, Augmentation = AugmentationOptions.Light,
        });
        var clock = Stopwatch.StartNew();
        int step = 0;
        for (int epoch = 0; step < Steps; epoch++)
        {
            foreach (Batch batch in loader.Epoch(epoch))
            {
                var x = new Tensor<float>(batch.ImageSpan.ToArray(), batch.Count, 1, 28, 28);
                trainer.Step(x, batch.LabelSpan);
                if (++step == Steps) break;
            }
        }
        ModelCard card = ModelCard.Create(model, "lenet", trainingSeconds: clock.Elapsed.TotalSeconds, seed: 1,
            commandLine: $"test model: {Steps} steps");
        string temp = path + $".{Environment.ProcessId}.tmp";
        OnnxExporter.Save(model, card, temp);
        File.Move(temp, path, overwrite: true);
    }
}
