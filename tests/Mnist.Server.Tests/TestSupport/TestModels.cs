using System.Diagnostics;
using Mnist.Engine.Data;
using Mnist.Engine.Formats;
using Mnist.Engine.Networks;
using Mnist.Engine.Optim;
using Mnist.Engine.Tensors;
using Mnist.Engine.Training;

namespace Mnist.Server.Tests.TestSupport;

/// <summary>Model files for the server tests: random-weight lenets (mechanics) and a briefly trained lenet
/// (right answers), cached in the temp folder under the hash of the code that produces it.</summary>
internal static class TestModels
{
    private static readonly Lazy<string> Trained = new(TrainLenet, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>A folder for this test run's files.</summary>
    public static string TempDir { get; } = CreateTempDir();

    private static string CreateTempDir()
    {
        var dir = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "mnist-server-tests"));
        // Per-test model folders of earlier runs (the trained model beside them is kept as a cache).
        foreach (DirectoryInfo old in dir.EnumerateDirectories().Where(d => d.LastWriteTimeUtc < DateTime.UtcNow.AddHours(-1)))
        {
            try
            {
                old.Delete(recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return dir.FullName;
    }

    /// <summary>ONNX bytes of a lenet with random weights from <paramref name="seed"/>.</summary>
    public static byte[] RandomLenet(ulong seed)
    {
        var model = Architectures.Create<float>("lenet", seed);
        return OnnxExporter.ExportBytes(model, ModelCard.Create(model, $"lenet-random-{seed}", dataset: "none"));
    }

    /// <summary>ONNX bytes of the int8 version of <paramref name="floatBytes"/> (calibrated on 32 MNIST test digits),
    /// whose card's <c>quantized_from</c> names <paramref name="floatBytes"/>' SHA-256, as <c>mnist export --int8</c> writes it.</summary>
    public static byte[] Int8Of(byte[] floatBytes)
    {
        ImportedModel imported = OnnxImporter.Load(floatBytes);
        const int count = 32;
        var calibration = new float[count * 784];
        for (int i = 0; i < count; i++)
        {
            byte[] digit = TestImages.Digit(i);
            for (int p = 0; p < 784; p++) calibration[i * 784 + p] = digit[p] / 255f;
        }
        ModelCard card = imported.Card! with { QuantizedFrom = $"model.onnx sha256:{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(floatBytes))}" };
        return Engine.Formats.Onnx.OnnxModel.Serialize(Int8Quantizer.Quantize(imported.Model, card, calibration));
    }

    /// <summary>A lenet trained briefly on MNIST (≥ 95 % on 1,000 test digits), or the shipped model when it exists.</summary>
    public static string TrainedLenetPath => Trained.Value;

    /// <summary>Copies <paramref name="source"/> into a fresh folder (so a test may replace it) and returns the copy's path.</summary>
    public static string PrivateCopy(string source) => PrivateFile(File.ReadAllBytes(source));

    /// <summary>Writes <paramref name="bytes"/> as <c>model.onnx</c> in a fresh folder and returns its path.</summary>
    public static string PrivateFile(byte[] bytes)
    {
        string dir = Directory.CreateDirectory(Path.Combine(TempDir, Guid.NewGuid().ToString("N"))).FullName;
        string path = Path.Combine(dir, "model.onnx");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Replaces <paramref name="path"/> the way deployments do: write a temporary file, then rename over.</summary>
    public static void AtomicReplace(string path, byte[] bytes)
    {
        string tmp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        File.WriteAllBytes(tmp, bytes);
        File.Move(tmp, path, overwrite: true);
    }

    private static string TrainLenet()
    {
        string key = global::Mnist.Testing.TestEnvironment.ProducerKey(typeof(Trainer), typeof(TestModels));
        string cached = Path.Combine(TempDir, $"lenet-trained-{key}.onnx");
        if (File.Exists(cached)) return cached;

        var train = MnistDataset.Load(TestImages.MnistDir, MnistSplit.Train);
        var model = Architectures.Create<float>("lenet", 42);
        var trainer = new Trainer(model, new Adam<float>(model.Parameters, 2e-3));
        const int batch = 64, steps = 180;
        var x = new float[batch * 784];
        var labels = new int[batch];
        var order = Enumerable.Range(0, train.Count).ToArray();
        new Random(7).Shuffle(order);
        var sw = Stopwatch.StartNew();
        for (int step = 0; step < steps; step++)
        {
            for (int i = 0; i < batch; i++)
            {
                int k = order[step * batch + i];
                ReadOnlySpan<byte> img = train.Image(k);
                for (int j = 0; j < 784; j++) x[i * 784 + j] = img[j] / 255f;
                labels[i] = train.Labels[k];
            }
            trainer.Step(new Tensor<float>((float[])x.Clone(), [batch, 1, 28, 28]), labels);
        }
        double accuracy = TestImages.Accuracy(model, 1000);
        if (accuracy < 0.95) throw new InvalidOperationException($"The test model reached only {accuracy:P1} after {steps} steps.");
        var card = ModelCard.Create(model, "lenet", testAccuracy: accuracy, trainingSeconds: sw.Elapsed.TotalSeconds, seed: 42,
            commandLine: "Mnist.Server.Tests fixture");
        string tmp = cached + "." + Environment.ProcessId + ".tmp";
        OnnxExporter.Save(model, card, tmp);
        File.Move(tmp, cached, overwrite: true);
        return cached;
    }
}
