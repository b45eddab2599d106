using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Mnist.Engine.Data;
using Mnist.Engine.Formats;
using Mnist.Engine.Formats.Onnx;
using Mnist.Engine.Tests.Formats;
using Xunit.Abstractions;
using static Mnist.Engine.Tests.Formats.ExportFixtures;

namespace Mnist.Engine.InteropTests;

/// <summary>
/// Issue 6: the int8 version of the shipped model, judged by ONNX Runtime. Accuracy must hold on all 10,000 test digits,
/// and the integer arithmetic ORT runs must be the arithmetic <see cref="QuantizationMath"/> and the ONNX operators define.
/// </summary>
public sealed class Int8QuantizationTests(ITestOutputHelper output)
{
    [Fact]
    public void ShippedModel_Int8_KeepsAccuracyAndTop1InOnnxRuntime()
    {
        var (floatBytes, quantized) = QuantizeShipped();
        var data = RequireTestSet();
        byte[] int8Bytes = OnnxModel.Serialize(quantized);
        Assert.Contains(quantized.Graph.Node, n => n.OpType == "QLinearConv");
        Assert.DoesNotContain(quantized.Graph.Node, n => n.OpType == "Conv");

        using var floatSession = NewSession(floatBytes);
        using var int8Session = NewSession(int8Bytes);
        Assert.Equal("input", int8Session.InputMetadata.Keys.Single());
        Assert.Equal(TensorElementType.Float, int8Session.InputMetadata["input"].ElementDataType);
        Assert.Equal("probabilities", int8Session.OutputMetadata.Keys.Single());
        Assert.StartsWith("int8", int8Session.ModelMetadata.CustomMetadataMap["quantization"], StringComparison.Ordinal);

        float[] a = Run(floatSession, data.Images, data.Count), b = Run(int8Session, data.Images, data.Count);
        int[] pa = ArgMax(a, 10), pb = ArgMax(b, 10);
        int floatCorrect = 0, int8Correct = 0, agree = 0;
        for (int i = 0; i < data.Count; i++)
        {
            if (pa[i] == data.Labels[i]) floatCorrect++;
            if (pb[i] == data.Labels[i]) int8Correct++;
            if (pa[i] == pb[i]) agree++;
        }

        double floatAccuracy = (double)floatCorrect / data.Count, int8Accuracy = (double)int8Correct / data.Count;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{data.Count} MNIST test digits in ORT: float {floatAccuracy:P2}, int8 {int8Accuracy:P2}, top-1 agree {agree}/{data.Count}, " +
            $"max abs probability diff {MaxAbsDiff(a, b):E2}; file {floatBytes.Length:N0} → {int8Bytes.Length:N0} bytes"));
        Assert.True(Math.Abs(int8Accuracy - floatAccuracy) <= 0.001, $"int8 {int8Accuracy} vs float {floatAccuracy}");
        Assert.True(agree >= 0.998 * data.Count, $"top-1 agree {agree}/{data.Count}");
    }

    /// <summary>
    /// The first QLinearConv's uint8 output, read from ORT, against a scalar reference computed here from the file's own
    /// integers: acc = Σ (x_q − x_zp)·w_q + B, y = saturate(round(acc · x_scale·w_scale[m] / y_scale) + y_zp).
    /// ORT requantizes in float, so a value may land one step off at a rounding tie; anything more is a wrong operand.
    /// </summary>
    [Fact]
    public void ShippedModel_FirstQLinearConv_MatchesScalarReference()
    {
        var (_, quantized) = QuantizeShipped();
        var data = RequireTestSet();
        const int count = 20;
        var conv = quantized.Graph.Node.First(n => n.OpType == "QLinearConv");
        var init = quantized.Graph.Initializer.ToDictionary(t => t.Name);
        float Scalar(int input) => init[conv.Input[input]].ToFloatArray()[0];
        long[] ZeroPoint(int input) => init[conv.Input[input]].ToInt64Array();
        var quantize = quantized.Graph.Node.Single(n => n.OpType == "QuantizeLinear" && n.Input[0] == "input");
        var xq = new QuantParams(init[quantize.Input[1]].ToFloatArray()[0], (int)init[quantize.Input[2]].ToInt64Array()[0]);
        Assert.Equal(xq.Scale, Scalar(1));
        float yScale = Scalar(6);
        int xZero = (int)ZeroPoint(2)[0], yZero = (int)ZeroPoint(7)[0];
        var wTensor = init[conv.Input[3]];
        long[] w = wTensor.ToInt64Array(), bias = init[conv.Input[8]].ToInt64Array();
        float[] wScale = init[conv.Input[4]].ToFloatArray();
        Assert.All(ZeroPoint(5), z => Assert.Equal(0, z));
        int m = (int)wTensor.Dims[0], c = (int)wTensor.Dims[1], k = (int)wTensor.Dims[2];
        Assert.Equal(1, c);

        // Make the conv's output a graph output so ORT returns it.
        var probe = OnnxModel.Parse(OnnxModel.Serialize(quantized));
        probe.Graph.Output.Clear();
        probe.Graph.Output.Add(ValueInfoProto.CreateTensor(conv.Output[0], OnnxDataType.UInt8,
            OnnxDim.FromString("N"), OnnxDim.FromInt64(m), OnnxDim.FromInt64(28), OnnxDim.FromInt64(28)));
        using var session = NewSession(OnnxModel.Serialize(probe));
        float[] images = data.First(count);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(images, [count, 1, 28, 28]))]);
        byte[] ort = [.. results[0].AsEnumerable<byte>()];
        Assert.Equal(count * m * 28 * 28, ort.Length);

        int pad = k / 2, exact = 0, maxDiff = 0;
        for (int n = 0; n < count; n++)
        {
            var x = new int[28 * 28];
            for (int i = 0; i < x.Length; i++) x[i] = QuantizationMath.Quantize(images[n * 784 + i], xq);
            for (int o = 0; o < m; o++)
                for (int r = 0; r < 28; r++)
                    for (int col = 0; col < 28; col++)
                    {
                        long acc = bias[o];
                        for (int i = 0; i < k; i++)
                            for (int j = 0; j < k; j++)
                            {
                                int rr = r + i - pad, cc = col + j - pad;
                                int v = rr is >= 0 and < 28 && cc is >= 0 and < 28 ? x[rr * 28 + cc] : xZero; // padding is real 0
                                acc += (v - xZero) * w[(o * k + i) * k + j];
                            }

                        double real = acc * (double)xq.Scale * wScale[o];
                        int expected = (int)Math.Clamp(Math.Round(real / yScale, MidpointRounding.ToEven) + yZero, 0, 255);
                        int diff = Math.Abs(expected - ort[((n * m + o) * 28 + r) * 28 + col]);
                        if (diff == 0) exact++;
                        maxDiff = Math.Max(maxDiff, diff);
                    }
        }

        int total = count * m * 28 * 28;
        output.WriteLine($"first QLinearConv, {count} digits: {exact}/{total} uint8 outputs exact, max diff {maxDiff}");
        Assert.True(maxDiff <= 1, $"max diff {maxDiff}");
        Assert.True(exact >= 0.99 * total, $"{exact}/{total} exact");
    }

    /// <summary>
    /// The shipped network's hidden layer (fc1, 1152→128, ReLU) and its logits layer run as integer matrix products: no
    /// float Gemm or MatMul is left in the file, and ORT's top-1 agrees with the float model on the first 2,000 test digits.
    /// </summary>
    [Fact]
    public void ShippedModel_Int8_HasNoFloatLinearLayers_AndAgreesWithFloat()
    {
        var (floatBytes, quantized) = QuantizeShipped();
        var data = RequireTestSet();
        Assert.DoesNotContain(quantized.Graph.Node, n => n.OpType is "Gemm" or "MatMul");
        var matmuls = quantized.Graph.Node.Where(n => n.OpType == "MatMulInteger").ToList();
        Assert.Equal(2, matmuls.Count);
        var init = quantized.Graph.Initializer.ToDictionary(t => t.Name);
        Assert.Equal([1152L, 128L], init[matmuls[0].Input[1]].Dims);
        Assert.Equal(OnnxDataType.Int8, init[matmuls[0].Input[1]].DataType);
        // The hidden layer's input is the uint8 Flatten of the last pool, not a dequantized float.
        var flatten = quantized.Graph.Node.Single(n => n.OpType == "Flatten");
        Assert.Equal(flatten.Output[0], matmuls[0].Input[0]);
        Assert.Single(quantized.Graph.Node, n => n.OpType == "QuantizeLinear" && n.Output[0] == matmuls[1].Input[0]);

        const int count = 2000;
        using var floatSession = NewSession(floatBytes);
        using var int8Session = NewSession(OnnxModel.Serialize(quantized));
        float[] images = data.First(count);
        int[] pa = ArgMax(Run(floatSession, images, count), 10), pb = ArgMax(Run(int8Session, images, count), 10);
        int agree = Enumerable.Range(0, count).Count(i => pa[i] == pb[i]);
        output.WriteLine($"first {count} test digits: int8 (integer linear layers) and float top-1 agree on {agree}");
        Assert.True(agree >= 0.995 * count, $"top-1 agree {agree}/{count}");
    }

    /// <summary>
    /// Both integer Linear layers read from ORT against a scalar reference computed here from the file's own integers,
    /// each on ORT's own input to it: acc = Σ (x_q − x_zp)·w_q[k,j] + B[j], real = acc · s[j] (the per-column
    /// scale of the Mul after the Cast), then for the hidden layer y = saturate(round(real / y_scale) + y_zp) and for the logits
    /// the float real itself. ORT requantizes in float, so a uint8 may land one step off at a rounding tie.
    /// </summary>
    [Fact]
    public void ShippedModel_IntegerLinearLayers_MatchScalarReference()
    {
        var (_, quantized) = QuantizeShipped();
        var data = RequireTestSet();
        const int count = 20;
        var nodes = quantized.Graph.Node;
        var init = quantized.Graph.Initializer.ToDictionary(t => t.Name);
        NodeProto Consumer(string value) => nodes.Single(n => n.Input.Contains(value));
        var layers = nodes.Where(n => n.OpType == "MatMulInteger").Select(mm =>
        {
            var add = Consumer(mm.Output[0]);
            var cast = Consumer(add.Output[0]);
            var mul = Consumer(cast.Output[0]);
            Assert.Equal(("Add", "Cast", "Mul"), (add.OpType, cast.OpType, mul.OpType));
            var next = Consumer(mul.Output[0]);
            var q = next.OpType == "QuantizeLinear" ? next : null;
            return (MatMul: mm, Bias: init[add.Input[1]].ToInt64Array(), Scale: init[mul.Input[1]].ToFloatArray(), Quantize: q,
                Output: q?.Output[0] ?? mul.Output[0]);
        }).ToList();
        Assert.Equal(2, layers.Count);
        Assert.NotNull(layers[0].Quantize);
        Assert.Null(layers[1].Quantize);

        // Make every layer's input and output a graph output so ORT returns them.
        var probe = OnnxModel.Parse(OnnxModel.Serialize(quantized));
        probe.Graph.Output.Clear();
        int[] widths = [.. layers.Select(l => (int)init[l.MatMul.Input[1]].Dims[0]), 10];
        probe.Graph.Output.Add(ValueInfoProto.CreateTensor(layers[0].MatMul.Input[0], OnnxDataType.UInt8, OnnxDim.FromString("N"), OnnxDim.FromInt64(widths[0])));
        probe.Graph.Output.Add(ValueInfoProto.CreateTensor(layers[0].Output, OnnxDataType.UInt8, OnnxDim.FromString("N"), OnnxDim.FromInt64(widths[1])));
        probe.Graph.Output.Add(ValueInfoProto.CreateTensor(layers[1].Output, OnnxDataType.Float, OnnxDim.FromString("N"), OnnxDim.FromInt64(widths[2])));
        using var session = NewSession(OnnxModel.Serialize(probe));
        float[] images = data.First(count);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(images, [count, 1, 28, 28]))]);
        byte[] x0 = [.. results.Single(r => r.Name == layers[0].MatMul.Input[0]).AsEnumerable<byte>()];
        byte[] y0 = [.. results.Single(r => r.Name == layers[0].Output).AsEnumerable<byte>()];
        float[] y1 = [.. results.Single(r => r.Name == layers[1].Output).AsEnumerable<float>()];
        Assert.Equal(count * widths[0], x0.Length);
        Assert.Contains(y0, v => v > 0);  // a layer that outputs only zeros would match any reference on its saturated side

        long[] Accumulators(int layer, byte[] x)
        {
            var l = layers[layer];
            long[] w = init[l.MatMul.Input[1]].ToInt64Array();
            long xZero = init[l.MatMul.Input[2]].ToInt64Array()[0];
            int k = widths[layer], m = widths[layer + 1];
            var acc = new long[count * m];
            for (int n = 0; n < count; n++)
                for (int j = 0; j < m; j++)
                {
                    long a = l.Bias[j];
                    for (int i = 0; i < k; i++) a += (x[n * k + i] - xZero) * w[i * m + j];
                    acc[n * m + j] = a;
                }

            return acc;
        }

        var hidden = layers[0].Quantize!;
        float yScale = init[hidden.Input[1]].ToFloatArray()[0];
        long yZero = init[hidden.Input[2]].ToInt64Array()[0];
        Assert.Equal(0, yZero);  // the ReLU is the saturation at 0
        long[] acc0 = Accumulators(0, x0);
        int exact = 0, maxDiff = 0;
        for (int i = 0; i < acc0.Length; i++)
        {
            double real = acc0[i] * (double)layers[0].Scale[i % widths[1]];
            int expected = (int)Math.Clamp(Math.Round(real / yScale, MidpointRounding.ToEven) + yZero, 0, 255);
            int diff = Math.Abs(expected - y0[i]);
            if (diff == 0) exact++;
            maxDiff = Math.Max(maxDiff, diff);
        }

        long[] acc1 = Accumulators(1, y0);
        double maxRel = 0;
        for (int i = 0; i < acc1.Length; i++)
        {
            double real = acc1[i] * (double)layers[1].Scale[i % widths[2]];
            maxRel = Math.Max(maxRel, Math.Abs(real - y1[i]) / Math.Max(1.0, Math.Abs(real)));
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"hidden layer, {count} digits: {exact}/{acc0.Length} uint8 outputs exact, max diff {maxDiff}; logits max relative diff {maxRel:E2}"));
        Assert.True(maxDiff <= 1, $"max diff {maxDiff}");
        Assert.True(exact >= 0.99 * acc0.Length, $"{exact}/{acc0.Length} exact");
        Assert.True(maxRel <= 1e-5, $"logits max relative diff {maxRel}");
    }

    /// <summary>QuantizeLinear and DequantizeLinear in ORT against <see cref="QuantizationMath"/>, including ties and saturation.</summary>
    [Fact]
    public void QuantizeAndDequantizeLinear_MatchOnnxRuntime()
    {
        var p = new QuantParams(0.05f, 17);
        float[] x =
        [
            0f, 0.05f, -0.05f, 1f, -0.85f, -0.9f, -1f, 12.0f, 12.5f, 100f, -100f,
            0.025f, 0.075f, 0.125f, -0.025f, // k + 0.5 steps: round half to even
            0.0249f, 0.0251f, 3.14159f, float.MaxValue, -float.MaxValue,
        ];
        var b = new OnnxGraphBuilder("q");
        b.AddInput("x", OnnxDataType.Float, OnnxDim.FromInt64(x.Length));
        b.AddInitializer("scale", [], [p.Scale]);
        b.AddInitializer(TensorProto.FromUInt8s("zero_point", [], [(byte)p.ZeroPoint]));
        b.AddNode("QuantizeLinear", ["x", "scale", "zero_point"], ["q"]);
        b.AddNode("DequantizeLinear", ["q", "scale", "zero_point"], ["y"]);
        b.AddOutput("q", OnnxDataType.UInt8, OnnxDim.FromInt64(x.Length));
        b.AddOutput("y", OnnxDataType.Float, OnnxDim.FromInt64(x.Length));
        using var session = NewSession(OnnxModel.Serialize(b.Build()));
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("x", new DenseTensor<float>(x, [x.Length]))]);
        byte[] q = [.. results.Single(r => r.Name == "q").AsEnumerable<byte>()];
        float[] y = [.. results.Single(r => r.Name == "y").AsEnumerable<float>()];
        for (int i = 0; i < x.Length; i++)
        {
            int expected = QuantizationMath.Quantize(x[i], p);
            Assert.True(expected == q[i], $"x[{i}] = {x[i]:R}: QuantizationMath {expected}, ORT {q[i]}");
            Assert.Equal(QuantizationMath.Dequantize(q[i], p), y[i]);
        }

        Assert.Equal(255, q[Array.IndexOf(x, 100f)]);
        Assert.Equal(0, q[Array.IndexOf(x, -100f)]);
    }

    private (byte[] FloatBytes, ModelProto Quantized) QuantizeShipped()
    {
        string path = Path.Combine(MnistTestSet.RepositoryRoot() ?? ".", "models", "mnist.onnx");
        Assert.True(File.Exists(path), $"models/mnist.onnx is part of the repository but was not found at {path}");
        MnistDataset train = MnistDataset.Load(global::Mnist.Testing.TestEnvironment.MnistFolder(), MnistSplit.Train);

        byte[] bytes = File.ReadAllBytes(path);
        var imported = OnnxImporter.Load(bytes);
        Assert.NotNull(imported.Card);
        var card = imported.Card with { QuantizedFrom = "mnist.onnx" };
        var quantized = Int8Quantizer.Quantize(imported.Model, card, Int8Quantizer.CalibrationImages(train));
        output.WriteLine("quantization: " + quantized.MetadataProps.Single(e => e.Key == "quantization").Value);
        return (bytes, quantized);
    }

    private static float[] Run(InferenceSession session, float[] images, int count)
    {
        const int batch = 500;
        var result = new float[count * 10];
        for (int start = 0; start < count; start += batch)
        {
            int n = Math.Min(batch, count - start);
            var x = new DenseTensor<float>(images.AsMemory(start * 784, n * 784), [n, 1, 28, 28]);
            using var r = session.Run([NamedOnnxValue.CreateFromTensor("input", x)]);
            r[0].AsEnumerable<float>().ToArray().CopyTo(result, start * 10);
        }

        return result;
    }

    private static InferenceSession NewSession(byte[] model)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        return new InferenceSession(model, options);
    }

    private static MnistTestSet RequireTestSet() => MnistTestSet.Load();
}
