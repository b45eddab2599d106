using Mnist.Testing;
using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;
using Mnist.Engine.Formats;
using Mnist.Engine.Tensors;
using Mnist.Engine.Tests.Formats;
using Xunit.Abstractions;
using static Mnist.Engine.Tests.Formats.ExportFixtures;

namespace Mnist.Engine.InteropTests;

/// <summary>
/// ONNX Runtime (Microsoft.ML.OnnxRuntime, CPU) as the judge of the project's ONNX files and of the managed importer:
/// the same file run by ORT and by the engine must give the same probabilities on real MNIST test digits.
/// </summary>
public sealed class OnnxRuntimeParityTests(ITestOutputHelper output)
{
    private const double ProbabilityTolerance = 1e-4;

    [Theory]
    [InlineData("seed")]
    [InlineData("lenet")]
    [InlineData("normnet")]
    public void ExportedNetwork_RunsIdenticallyInOnnxRuntime(string name)
    {
        var data = RequireTestSet();
        const int count = 1000;
        var model = Create(name);
        byte[] file = OnnxExporter.ExportBytes(model, Card(model, name));
        using var session = NewSession(file);
        Assert.Equal("input", session.InputMetadata.Keys.Single());
        Assert.Equal("probabilities", session.OutputMetadata.Keys.Single());
        Assert.Equal(name, session.ModelMetadata.CustomMetadataMap["architecture"]);

        var r = Compare(data, count, batch: 100,
            x => RunOrt(session, "input", x, [x.Length / 784, 1, 28, 28]),
            x => Probabilities(model, new Tensor<float>(x, x.Length / 784, 1, 28, 28)).Data);
        output.WriteLine($"{name} (random init) on {count} MNIST test digits: ORT vs engine max abs probability diff {r.MaxDiff:E2}, " +
                         $"argmax agree {r.Agree}/{count}");
        Assert.True(r.MaxDiff <= ProbabilityTolerance, $"max abs diff {r.MaxDiff} > {ProbabilityTolerance}");
        Assert.Equal(count, r.Agree);
    }

    [Fact]
    public void ThirdPartyPyTorchLeNet5_ManagedImporterMatchesOnnxRuntime()
    {
        var data = RequireTestSet();
        string path = ThirdPartyLeNet();
        int count = int.TryParse(Environment.GetEnvironmentVariable("LENET5_COUNT"), out int c) ? c : 1000;
        var imported = OnnxImporter.Load(path);
        using var session = NewSession(File.ReadAllBytes(path));

        // The author did not document the input scaling: measure each candidate.
        var scalings = new (string Name, Func<float, float> F)[]
        {
            ("[0,1]", v => v),
            ("MNIST mean/std (x-0.1307)/0.3081", v => (v - 0.1307f) / 0.3081f),
            ("0-255", v => v * 255f),
        };
        var results = new List<(string Name, Result R)>();
        foreach (var (scaling, f) in scalings)
        {
            // The file fixes the batch at 10, so ORT runs batches of 10; the engine takes any batch (100 here).
            var r = Compare(data, count, batch: 10,
                x => RunOrt(session, "input_0", [.. x.Select(f)], [x.Length / 784, 1, 28, 28]),
                x => imported.Run(new Tensor<float>([.. x.Select(f)], x.Length / 784, 1, 28, 28)).Data);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"lenet5-pytorch, input {scaling}: accuracy ORT {r.OrtAccuracy:P2}, engine {r.EngineAccuracy:P2}; argmax agree {r.Agree}/{count}; max abs probability diff {r.MaxDiff:E2}"));
            results.Add((scaling, r));
        }

        var best = results.MaxBy(x => x.R.OrtAccuracy);
        output.WriteLine($"best input scaling: {best.Name}");
        Assert.True(best.R.OrtAccuracy > 0.9, $"best accuracy {best.R.OrtAccuracy} — is the file the expected LeNet-5?");
        foreach (var (scaling, r) in results)
        {
            Assert.True(r.Agree >= count - 1, $"{scaling}: argmax agree {r.Agree}/{count}");
            Assert.Equal(r.OrtAccuracy, r.EngineAccuracy);

            // Probabilities are compared for O(1) inputs (the I/O contract); 0–255 inputs make logits ~255× larger,
            // so float32 rounding alone moves saturated softmax outputs by ~1e-4 there.
            if (scaling != "0-255") Assert.True(r.MaxDiff <= ProbabilityTolerance, $"{scaling}: max abs diff {r.MaxDiff}");
        }

    }

    /// <summary>The README's figure for the shipped model is its model card's; both runtimes must measure exactly it on all
    /// 10,000 test digits (the card keeps 4 decimals), and models/mnist.json must say the same as the file's metadata.</summary>
    [Fact]
    public void ShippedModel_AllTestDigits_OnnxRuntimeAndEngineAgree_AtTheModelCardsAccuracy()
    {
        string path = ShippedFile("mnist.onnx");
        var data = RequireTestSet();
        var imported = OnnxImporter.Load(path);
        using var session = NewSession(File.ReadAllBytes(path));
        string inputName = session.InputMetadata.Keys.Single();
        var clock = Stopwatch.StartNew();
        var r = Compare(data, data.Count, batch: 250,
            x => RunOrt(session, inputName, x, [x.Length / 784, 1, 28, 28]),
            x => imported.Run(new Tensor<float>(x, x.Length / 784, 1, 28, 28)).Data);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"models/mnist.onnx on {data.Count} MNIST test digits: accuracy ORT {r.OrtAccuracy:P2}, engine {r.EngineAccuracy:P2}; " +
            $"argmax agree {r.Agree}/{data.Count}; max abs probability diff {r.MaxDiff:E2}; card accuracy {imported.Card?.TestAccuracy}; {clock.Elapsed.TotalSeconds:F1} s"));
        Assert.True(imported.OutputIsProbabilities);
        Assert.True(r.MaxDiff <= ProbabilityTolerance, $"max abs diff {r.MaxDiff} > {ProbabilityTolerance}");
        Assert.True(r.Agree >= data.Count - 1, $"argmax agree {r.Agree}/{data.Count}");
        Assert.Equal(r.OrtAccuracy, r.EngineAccuracy);
        Assert.NotNull(imported.Card);
        Assert.True(Math.Abs(r.OrtAccuracy - imported.Card.TestAccuracy!.Value) <= 0.5e-4,
            $"measured {r.OrtAccuracy:P2}, the model card says {imported.Card.TestAccuracy:P2}");
        var published = ModelCard.FromJson(File.ReadAllText(ShippedFile("mnist.json")));
        Assert.Equal(imported.Card.TestAccuracy, published.TestAccuracy);
    }

    /// <summary>
    /// The shipped int8 companion as the server loads it: its card must name the SHA-256 of the shipped float model
    /// (else the server would ignore it as stale and silently serve float), ONNX Runtime must run it at its card's
    /// accuracy on all 10,000 test digits, within 0.1 point of the float model and with top-1 agreement ≥ 99.8%.
    /// </summary>
    [Fact]
    public void ShippedInt8Companion_IsQuantizedFromTheShippedModel_AndKeepsItsAccuracyInOnnxRuntime()
    {
        string floatPath = ShippedFile("mnist.onnx"), int8Path = ShippedFile("mnist.int8.onnx");
        var data = RequireTestSet();
        // The managed importer refuses int8 files by design; the card is read from the file's metadata.
        ModelCard? int8Card = ModelCard.FromMetadata(Mnist.Engine.Formats.Onnx.OnnxModel.Load(int8Path).MetadataProps.ToDictionary(e => e.Key, e => e.Value));
        Assert.NotNull(int8Card);
        string floatHash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(floatPath)));
        Assert.Equal($"mnist.onnx sha256:{floatHash}", int8Card.QuantizedFrom);
        Assert.StartsWith("int8", int8Card.Quantization, StringComparison.Ordinal);

        using var floatSession = NewSession(File.ReadAllBytes(floatPath));
        using var int8Session = NewSession(File.ReadAllBytes(int8Path));
        var r = Compare(data, data.Count, batch: 250,
            x => RunOrt(floatSession, "input", x, [x.Length / 784, 1, 28, 28]),
            x => RunOrt(int8Session, "input", x, [x.Length / 784, 1, 28, 28]));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"models/mnist.int8.onnx on {data.Count} MNIST test digits in ORT: {r.EngineAccuracy:P2} (card {int8Card.TestAccuracy:P2}), " +
            $"float {r.OrtAccuracy:P2}, top-1 agree {r.Agree}/{data.Count}"));
        Assert.True(Math.Abs(r.EngineAccuracy - int8Card.TestAccuracy!.Value) <= 0.5e-4,
            $"int8 measured {r.EngineAccuracy:P2}, its card says {int8Card.TestAccuracy:P2}");
        Assert.True(Math.Abs(r.EngineAccuracy - r.OrtAccuracy) <= 0.001, $"int8 {r.EngineAccuracy:P2} vs float {r.OrtAccuracy:P2}");
        Assert.True(r.Agree >= 0.998 * data.Count, $"top-1 agree {r.Agree}/{data.Count}");
    }

    /// <summary>A file of the repository's models/ folder; it is committed, so a missing one is a failure.</summary>
    private static string ShippedFile(string name)
    {
        string path = Path.Combine(MnistTestSet.RepositoryRoot() ?? ".", "models", name);
        Assert.True(File.Exists(path), $"models/{name} is part of the repository but was not found at {path}");
        return path;
    }

    private sealed record Result(double MaxDiff, int Agree, double OrtAccuracy, double EngineAccuracy);

    private static Result Compare(MnistTestSet data, int count, int batch, Func<float[], float[]> ort, Func<float[], float[]> engine)
    {
        double maxDiff = 0;
        int agree = 0, ortCorrect = 0, engineCorrect = 0;
        for (int start = 0; start < count; start += batch)
        {
            int n = Math.Min(batch, count - start);
            float[] x = data.Images.AsSpan(start * 784, n * 784).ToArray();
            float[] a = ort(x), b = engine(x);
            maxDiff = Math.Max(maxDiff, MaxAbsDiff(a, b));
            int[] pa = ArgMax(a, 10), pb = ArgMax(b, 10);
            for (int i = 0; i < n; i++)
            {
                if (pa[i] == pb[i]) agree++;
                if (pa[i] == data.Labels[start + i]) ortCorrect++;
                if (pb[i] == data.Labels[start + i]) engineCorrect++;
            }
        }

        return new Result(maxDiff, agree, (double)ortCorrect / count, (double)engineCorrect / count);
    }

    /// <summary>
    /// Issue 4: the shipped TFLite file in a third-party TFLite runtime (Arm NN's parser, CpuRef backend, through
    /// Debian's python3-pyarmnn) gives the same digit as ONNX Runtime on the shipped ONNX file for 1,000 test images.
    /// </summary>
    [Fact]
    public void ShippedTfLite_InArmNn_AgreesWithOnnxRuntime()
    {
        var data = RequireTestSet();
        string onnx = ShippedFile("mnist.onnx"), tflite = ShippedFile("mnist.tflite");
        PythonRunner.Require("numpy", "pyarmnn");
        const int count = 1000;
        float[] images = data.First(count);

        using var session = NewSession(File.ReadAllBytes(onnx));
        float[] ort = RunOrt(session, session.InputMetadata.Keys.Single(), images, [count, 1, 28, 28]);
        var clock = Stopwatch.StartNew();
        string stdout = PythonRunner.Run(ArmNnScript, new Dictionary<string, byte[]>
        {
            ["model.tflite"] = File.ReadAllBytes(tflite),
            ["input.npy"] = PythonRunner.ToNpy(images, count, 28, 28, 1), // one channel: NHWC has NCHW's bytes
        }, TimeSpan.FromMinutes(10));
        using var doc = System.Text.Json.JsonDocument.Parse(stdout);
        float[] armnn = [.. doc.RootElement.GetProperty("output").EnumerateArray().SelectMany(r => r.EnumerateArray().Select(e => e.GetSingle()))];
        Assert.Equal(count * 10, armnn.Length);
        int[] a = ArgMax(ort, 10), b = ArgMax(armnn, 10);
        int agree = a.Zip(b).Count(p => p.First == p.Second);
        double diff = 0;
        for (int i = 0; i < armnn.Length; i++) diff = Math.Max(diff, Math.Abs(armnn[i] - ort[i]));
        int correct = b.Where((p, i) => p == data.Labels[i]).Count();
        output.WriteLine($"models/mnist.tflite in Arm NN {doc.RootElement.GetProperty("armnn").GetString()} (CpuRef) vs models/mnist.onnx in ONNX Runtime " +
                         $"on {count} MNIST test digits: argmax agree {agree}/{count}, max abs probability diff {diff:E2}, Arm NN accuracy {correct}/{count}, " +
                         $"{clock.Elapsed.TotalSeconds:F0} s");
        Assert.Equal(count, agree);
        Assert.True(diff <= ProbabilityTolerance, $"max abs diff {diff} > {ProbabilityTolerance}");
    }

    private const string ArmNnScript = """
        import json, sys, os, contextlib, numpy as np
        with contextlib.redirect_stdout(sys.stderr):  # pyarmnn prints notices about missing parsers
            import pyarmnn as ann
        x = np.load("input.npy").astype(np.float32)
        parser = ann.ITfLiteParser()
        net = parser.CreateNetworkFromBinaryFile(os.path.abspath("model.tflite"))
        in_name = parser.GetSubgraphInputTensorNames(0)[0]
        out_name = parser.GetSubgraphOutputTensorNames(0)[0]
        in_info = parser.GetNetworkInputBindingInfo(0, in_name)
        out_info = parser.GetNetworkOutputBindingInfo(0, out_name)
        runtime = ann.IRuntime(ann.CreationOptions())
        opt, messages = ann.Optimize(net, [ann.BackendId("CpuRef")], runtime.GetDeviceSpec(), ann.OptimizerOptions())
        net_id, _ = runtime.LoadNetwork(opt)
        outputs = []
        for i in range(x.shape[0]):
            inputs = ann.make_input_tensors([in_info], [x[i:i+1]])
            outs = ann.make_output_tensors([out_info])
            runtime.EnqueueWorkload(net_id, inputs, outs)
            outputs.append(ann.workload_tensors_to_ndarray(outs)[0].ravel().tolist())
        print(json.dumps({"armnn": ann.__version__, "output": outputs}))
        """;

    private static InferenceSession NewSession(byte[] model)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        return new InferenceSession(model, options);
    }

    private static float[] RunOrt(InferenceSession session, string input, float[] x, int[] shape)
    {
        var tensor = new DenseTensor(x, shape);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(input, tensor)]);
        return [.. results[0].AsEnumerable<float>()];
    }

    private static MnistTestSet RequireTestSet() => MnistTestSet.Load();
}
