using Mnist.Testing;
using System.Diagnostics;
using System.Text.Json;
using Mnist.Engine.Formats;
using Mnist.Engine.Formats.TfLite;
using Mnist.Engine.Tensors;
using Xunit.Abstractions;
using static Mnist.Engine.Tests.Formats.ExportFixtures;

namespace Mnist.Engine.Tests.Formats;

/// <summary>TFLite export: file structure, and Arm NN's TFLite parser (CpuRef) as the third-party judge on real digits.</summary>
public class TfLiteExportTests(ITestOutputHelper output)
{
    private const int Images = 50;

    /// <summary>The file's operators for the test log: <c>CONV_2D, MAX_POOL_2D, …</c>.</summary>
    private static string DescribeOperators(byte[] tflite)
    {
        var m = TfLiteModel.Parse(tflite);
        return string.Join(", ", m.Operators.Select(o => m.OperatorCodes[o.OpcodeIndex].Operator.ToString().ToUpperInvariant()));
    }

    [Fact]
    public void LeNet_HasTheIosAppContract_AndNoRuntimeTranspose()
    {
        var model = Create("lenet");
        var m = TfLiteModel.Parse(TfLiteExporter.Export(model, Card(model, "lenet")));
        Assert.Equal("input", m.Tensors[m.Inputs[0]].Name);
        Assert.Equal([1, 28, 28, 1], m.Tensors[m.Inputs[0]].Shape);
        Assert.Equal(TfLiteTensorType.Float32, m.Tensors[m.Inputs[0]].Type);
        Assert.Equal("probabilities", m.Tensors[m.Outputs[0]].Name);
        Assert.Equal([1, 10], m.Tensors[m.Outputs[0]].Shape);
        Assert.Equal(
            [TfLiteBuiltinOperator.Conv2D, TfLiteBuiltinOperator.MaxPool2D, TfLiteBuiltinOperator.Conv2D, TfLiteBuiltinOperator.MaxPool2D,
             TfLiteBuiltinOperator.Reshape, TfLiteBuiltinOperator.FullyConnected, TfLiteBuiltinOperator.FullyConnected, TfLiteBuiltinOperator.Softmax],
            m.Operators.Select(o => m.OperatorCodes[o.OpcodeIndex].Operator));
        Assert.Equal(TfLiteActivation.Relu, ((TfLiteConv2DOptions)m.Operators[0].Options!).Activation);
        Assert.Equal(TfLiteActivation.Relu, ((TfLiteFullyConnectedOptions)m.Operators[5].Options!).Activation);
        Assert.Equal(TfLiteActivation.None, ((TfLiteFullyConnectedOptions)m.Operators[6].Options!).Activation);
        Assert.True(m.Metadata.ContainsKey(TfLiteExporter.CardMetadataName));
        var card = ModelCard.FromJson(System.Text.Encoding.UTF8.GetString(m.Buffers[m.Metadata[TfLiteExporter.CardMetadataName]]));
        Assert.Equal("lenet", card.Architecture);
    }

    [Theory]
    [InlineData("lenet")]
    [InlineData("seed")]
    [InlineData("normnet")]
    [InlineData("lenet5-pytorch")]
    public void ArmNn_AgreesWithTheEngine_OnRealDigits(string name)
    {
        PythonRunner.Require("numpy", "pyarmnn");

        MnistTestSet data = MnistTestSet.Load();

        Engine.Layers.Sequential<float> model;
        if (name == "lenet5-pytorch")
        {
            // A trained third-party network (PyTorch export) converted ONNX → engine → TFLite, as `mnist export` does.
            string path = ThirdPartyLeNet();

            model = OnnxImporter.Load(path).Model;
        }
        else
        {
            model = Create(name);
        }

        byte[] file = TfLiteExporter.Export(model, Card(model, name));
        output.WriteLine($"{name}: {file.Length:N0} bytes; {DescribeOperators(file)}");
        float[] images = data.First(Images);
        var clock = Stopwatch.StartNew();
        string stdout = PythonRunner.Run(TfLiteArmNnTests.ArmNnScript, new Dictionary<string, byte[]>
        {
            ["model.tflite"] = file,
            ["input.npy"] = PythonRunner.ToNpy(images, Images, 28, 28, 1), // one channel: NHWC has NCHW's bytes
        }, TimeSpan.FromMinutes(3));
        output.WriteLine($"Arm NN run: {clock.Elapsed.TotalSeconds:F1} s");
        using var doc = JsonDocument.Parse(stdout);
        float[] armnn = [.. doc.RootElement.GetProperty("output").EnumerateArray().SelectMany(r => r.EnumerateArray().Select(e => e.GetSingle()))];
        Assert.Equal("1,28,28,1", string.Join(",", doc.RootElement.GetProperty("input_shape").EnumerateArray().Select(e => e.GetInt32())));

        var expected = Probabilities(model, new Tensor<float>(images, Images, 1, 28, 28));
        double diff = MaxAbsDiff(expected.Span, armnn);
        int[] a = ArgMax(expected.Span, 10), b = ArgMax(armnn, 10);
        int agree = a.Zip(b).Count(p => p.First == p.Second);
        output.WriteLine($"{name}: Arm NN {doc.RootElement.GetProperty("armnn").GetString()} CpuRef vs engine on {Images} MNIST test digits: " +
                         $"argmax agree {agree}/{Images}, max abs probability diff {diff:E2}");
        if (name == "lenet5-pytorch")
        {
            int correct = a.Where((p, i) => p == data.Labels[i]).Count();
            output.WriteLine($"lenet5-pytorch accuracy on these digits (input in [0,1]): {correct}/{Images}");
        }

        Assert.Equal(Images, agree);
        Assert.True(diff <= 1e-4, $"max abs diff {diff} > 1e-4");
    }
}
