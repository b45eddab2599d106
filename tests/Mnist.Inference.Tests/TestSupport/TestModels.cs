using Mnist.Engine.Formats.Onnx;
using Mnist.Engine.Layers;
using Mnist.Engine.Networks;

namespace Mnist.Inference.Tests.TestSupport;

/// <summary>Small ONNX models written with the engine's <see cref="OnnxGraphBuilder"/>, and their hand computation.</summary>
internal static class TestModels
{
    /// <summary>Fixed weights of the linear test model: W [10,784], b [10], seeded.</summary>
    public static readonly float[] Weight = Floats(10 * 784, 1, -0.05f, 0.05f);
    public static readonly float[] Bias = Floats(10, 2, -0.5f, 0.5f);

    /// <summary>Flatten → Gemm → (Softmax). Input layout from <paramref name="inputDims"/>.</summary>
    public static byte[] Linear(bool softmax = true, OnnxDim[]? inputDims = null, OnnxDim? outputBatch = null, string outputName = "probabilities",
        int classes = 10, IReadOnlyDictionary<string, string>? metadata = null)
    {
        inputDims ??= ["N", 1, 28, 28];
        var b = new OnnxGraphBuilder("linear_test");
        b.AddInput("input", OnnxDataType.Float, inputDims);
        int features = 1;
        for (int i = 1; i < inputDims.Length; i++) features *= (int)inputDims[i].Value!.Value;
        b.AddInitializer("fc.weight", [classes, features], features == 784 ? Weight.AsSpan(0, classes * 784) : Floats(classes * features, 3, -0.05f, 0.05f));
        b.AddInitializer("fc.bias", [classes], classes == 10 ? Bias : new float[classes]);
        string x = "input";
        if (inputDims.Length != 2)
        {
            b.AddNode("Flatten", ["input"], ["flat"], AttributeProto.Int("axis", 1));
            x = "flat";
        }
        b.AddNode("Gemm", [x, "fc.weight", "fc.bias"], [softmax ? "logits" : outputName], AttributeProto.Int("transB", 1));
        if (softmax) b.AddNode("Softmax", ["logits"], [outputName], AttributeProto.Int("axis", 1));
        b.AddOutput(outputName, OnnxDataType.Float, outputBatch ?? inputDims[0], classes);
        b.SetMetadata("architecture", "linear-test");
        b.SetMetadata("preprocessing_version", "1");
        if (metadata is not null) foreach (var (k, v) in metadata) b.SetMetadata(k, v);
        return OnnxModel.Serialize(b.Build());
    }

    /// <summary>softmax(W·x + b) for one image, in double.</summary>
    public static double[] LinearExpected(ReadOnlySpan<float> x)
    {
        var logits = new double[10];
        for (int j = 0; j < 10; j++)
        {
            double s = Bias[j];
            for (int i = 0; i < 784; i++) s += (double)Weight[j * 784 + i] * x[i];
            logits[j] = s;
        }
        double max = logits.Max(), sum = 0;
        var p = new double[10];
        for (int j = 0; j < 10; j++) sum += p[j] = Math.Exp(logits[j] - max);
        for (int j = 0; j < 10; j++) p[j] /= sum;
        return p;
    }

    /// <summary>The engine's <c>lenet</c> with seeded weights, written as ONNX layer for layer (NCHW, logits or softmax).</summary>
    public static byte[] LenetOnnx(Sequential<float> lenet, bool softmax)
    {
        var b = new OnnxGraphBuilder("lenet_test");
        b.AddInput("input", OnnxDataType.Float, "N", 1, 28, 28);
        string x = "input";
        foreach (Layer<float> layer in lenet.UnfusedLayers)
        {
            string y = layer.Name;
            switch (layer)
            {
                case Conv2d<float> c:
                    b.AddInitializer($"{y}.weight", [c.OutChannels, c.InChannels, c.KernelSize, c.KernelSize], c.Weight.Value.Span);
                    b.AddInitializer($"{y}.bias", [c.OutChannels], c.Bias!.Value.Span);
                    b.AddNode("Conv", [x, $"{y}.weight", $"{y}.bias"], [y],
                        AttributeProto.IntList("kernel_shape", c.KernelSize, c.KernelSize),
                        AttributeProto.IntList("strides", c.Stride, c.Stride),
                        AttributeProto.IntList("pads", c.Padding, c.Padding, c.Padding, c.Padding));
                    break;
                case ReLU<float>:
                    b.AddNode("Relu", [x], [y]);
                    break;
                case MaxPool2d<float>:
                    b.AddNode("MaxPool", [x], [y], AttributeProto.IntList("kernel_shape", 2, 2), AttributeProto.IntList("strides", 2, 2));
                    break;
                case Flatten<float>:
                    b.AddNode("Flatten", [x], [y], AttributeProto.Int("axis", 1));
                    break;
                case Linear<float> l:
                    b.AddInitializer($"{y}.weight", [l.OutFeatures, l.InFeatures], l.Weight.Value.Span);
                    b.AddInitializer($"{y}.bias", [l.OutFeatures], l.Bias!.Value.Span);
                    b.AddNode("Gemm", [x, $"{y}.weight", $"{y}.bias"], [y], AttributeProto.Int("transB", 1));
                    break;
                default:
                    throw new NotSupportedException(layer.GetType().Name);
            }
            x = y;
        }
        string output = softmax ? "probabilities" : "logits";
        if (softmax) b.AddNode("Softmax", [x], [output], AttributeProto.Int("axis", 1));
        else b.Graph.Node[^1].Output[0] = output;
        b.AddOutput(output, OnnxDataType.Float, "N", 10);
        b.SetMetadata("architecture", "lenet");
        return OnnxModel.Serialize(b.Build());
    }

    public static Sequential<float> Lenet() => Architectures.Create<float>("lenet", 7);

    public static float[] Floats(int n, int seed, float min, float max)
    {
        var r = new Random(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = min + (max - min) * r.NextSingle();
        return a;
    }

    /// <summary>Writes bytes to a fresh temporary file and returns its path.</summary>
    public static string TempFile(byte[] bytes, string extension)
    {
        string path = Path.Combine(Path.GetTempPath(), $"mnist-inference-tests-{Guid.NewGuid():N}{extension}");
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
