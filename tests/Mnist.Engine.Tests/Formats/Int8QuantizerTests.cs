using Mnist.Engine.Formats;
using Mnist.Engine.Formats.Onnx;
using Mnist.Engine.Layers;
using static Mnist.Engine.Tests.Formats.ExportFixtures;

namespace Mnist.Engine.Tests.Formats;

/// <summary>
/// The quantization arithmetic against a scalar reference written here in double precision, and the structure of the
/// int8 graph. ONNX Runtime's view of the same arithmetic is in the interop tests.
/// </summary>
public class Int8QuantizerTests
{
    // Round half to even in double: the ONNX definition, independent of MathF.Round.
    private static long RoundHalfEven(double v)
    {
        double f = Math.Floor(v), frac = v - f;
        if (frac > 0.5) return (long)f + 1;
        if (frac < 0.5) return (long)f;
        return ((long)f % 2 == 0) ? (long)f : (long)f + 1;
    }

    private static int ReferenceQuantize(float x, float scale, int zeroPoint, int qmin, int qmax) =>
        (int)Math.Clamp(RoundHalfEven((double)(x / scale)) + zeroPoint, qmin, qmax);

    [Fact]
    public void Quantize_MatchesScalarReference_IncludingTiesAndSaturation()
    {
        var random = new Random(3);
        var p = new QuantParams(0.0371f, 41);
        float[] special = [0f, 0.5f * p.Scale, 1.5f * p.Scale, 2.5f * p.Scale, -0.5f * p.Scale, -41.5f * p.Scale, 1e6f, -1e6f, 300 * p.Scale];
        foreach (float x in special.Concat(Enumerable.Range(0, 10_000).Select(_ => (random.NextSingle() - 0.3f) * 12f)))
        {
            Assert.Equal(ReferenceQuantize(x, p.Scale, p.ZeroPoint, 0, 255), QuantizationMath.Quantize(x, p));
            Assert.Equal(ReferenceQuantize(x, p.Scale, 0, -127, 127), QuantizationMath.Quantize(x, p with { ZeroPoint = 0 }, -127, 127));
        }

        Assert.Equal(255, QuantizationMath.Quantize(1e6f, p));
        Assert.Equal(0, QuantizationMath.Quantize(-1e6f, p));
        Assert.Equal(41, QuantizationMath.Quantize(0.5f * p.Scale, p));  // tie to even: 0.5 → 0
        Assert.Equal(43, QuantizationMath.Quantize(1.5f * p.Scale, p));  // 1.5 → 2
    }

    [Theory]
    [InlineData(0f, 6.3f)]
    [InlineData(-2.1f, 4.4f)]
    [InlineData(0.7f, 3f)]     // widened down to 0
    [InlineData(-5f, -1f)]    // widened up to 0
    public void ForUInt8Range_CoversTheRangeAndRepresentsZeroExactly(float min, float max)
    {
        var p = QuantizationMath.ForUInt8Range(min, max);
        Assert.InRange(p.ZeroPoint, 0, 255);
        Assert.Equal(0f, QuantizationMath.Dequantize(QuantizationMath.Quantize(0f, p), p));
        // Both ends are inside the grid (at most half a step past its end), and every value in between rounds to within half a step.
        Assert.InRange(QuantizationMath.Dequantize(0, p), Math.Min(min, 0) - p.Scale / 2, Math.Min(min, 0) + p.Scale / 2);
        Assert.InRange(QuantizationMath.Dequantize(255, p), Math.Max(max, 0) - p.Scale / 2, Math.Max(max, 0) + p.Scale / 2);
        for (float x = Math.Min(min, 0); x <= Math.Max(max, 0); x += (max - min) / 97)
            Assert.True(Math.Abs(QuantizationMath.Dequantize(QuantizationMath.Quantize(x, p), p) - x) <= p.Scale * 0.5001f, $"x = {x}");
        if (min >= 0) Assert.Equal(0, p.ZeroPoint); // a ReLU output: saturating at q = 0 is the ReLU
    }

    [Fact]
    public void Weights_AreSymmetricPerChannel_AndBiasUsesInputTimesWeightScale()
    {
        float[] w = [0.3f, -1.27f, 0.01f, 0.635f];
        float scale = QuantizationMath.SymmetricScale(w);
        Assert.Equal(1.27f / 127, scale, 1e-9f);
        var q = new sbyte[w.Length];
        QuantizationMath.QuantizeWeights(w, scale, q);
        for (int i = 0; i < w.Length; i++) Assert.Equal(ReferenceQuantize(w[i], scale, 0, -127, 127), q[i]);
        Assert.Equal(-127, q[1]);
        Assert.Equal(1f, QuantizationMath.SymmetricScale([0f, 0f]));
        Assert.Equal(RoundHalfEven(0.25f / ((double)0.004f * scale)), QuantizationMath.QuantizeBias(0.25f, 0.004f, scale));
    }

    [Theory]
    [InlineData("lenet")]
    [InlineData("normnet")]
    public void Quantize_WritesQLinearConvPerConvolution_WithTheFloatContract_AndIsDeterministic(string name)
    {
        var model = Create(name);
        float[] calibration = RandomImages(64, 5).Data;
        var card = Card(model, name) with { QuantizedFrom = "test.onnx" };
        var q = Int8Quantizer.Quantize(model, card, calibration);
        int convs = model.UnfusedLayers.Count(l => l is Conv2d<float>);
        Assert.Equal(convs, q.Graph.Node.Count(n => n.OpType == "QLinearConv"));
        Assert.Equal("QuantizeLinear", q.Graph.Node[0].OpType);
        Assert.Equal("Softmax", q.Graph.Node[^1].OpType);
        Assert.Equal(OnnxDataType.Float, q.Graph.Input.Single().Type!.TensorType!.ElemType);
        Assert.Equal(("input", "probabilities"), (q.Graph.Input.Single().Name, q.Graph.Output.Single().Name));
        var card2 = ModelCard.FromMetadata(q.MetadataProps.ToDictionary(e => e.Key, e => e.Value))!;
        Assert.StartsWith("int8", card2.Quantization, StringComparison.Ordinal);
        Assert.Equal("test.onnx", card2.QuantizedFrom);
        Assert.Equal(OnnxModel.Serialize(q), OnnxModel.Serialize(Int8Quantizer.Quantize(model, card, calibration)));
    }

    [Fact]
    public void Quantize_FlattenAndLinearHead_RunsInIntegers_WithTheHiddenReluAsSaturation()
    {
        var model = Create("lenet");  // … pool2 → flatten → fc1 → relu3 → fc2
        var q = Int8Quantizer.Quantize(model, Card(model, "lenet") with { QuantizedFrom = "test.onnx" }, RandomImages(64, 5).Data);
        var nodes = q.Graph.Node;
        Assert.DoesNotContain(nodes, n => n.OpType is "Gemm" or "MatMul" or "Relu");
        Assert.Equal(["fc1.matmul", "fc2.matmul"], nodes.Where(n => n.OpType == "MatMulInteger").Select(n => n.Name));
        var types = q.Graph.ValueInfo.ToDictionary(v => v.Name, v => v.Type!.TensorType!.ElemType);
        Assert.Equal(OnnxDataType.UInt8, types["flatten"]);
        Assert.Equal(OnnxDataType.UInt8, types["fc1"]);
        Assert.Equal(OnnxDataType.Int32, types["fc1.accumulator"]);
        Assert.Equal(OnnxDataType.Float, types["fc2"]);
        var init = q.Graph.Initializer.ToDictionary(t => t.Name);
        Assert.Equal(0L, init["fc1.output.zero_point"].ToInt64Array()[0]);  // the ReLU: saturation at real 0
        Assert.Equal([1600L, 128L], init["fc1.weight_quantized"].Dims);
        // The logits feed Softmax directly: no DequantizeLinear of a uint8 value after the last layer.
        Assert.Equal(["fc2.scale", "softmax"], nodes.Skip(nodes.Count - 2).Select(n => n.Name));

        // fc1's constants against the weights they came from: column j of B is row j of W, bias at x_scale·w_scale[j].
        var fc1 = (Linear<float>)model.UnfusedLayers.Single(l => l.Name == "fc1");
        float[] w = fc1.Weight.Value.ToArray(), bias = fc1.Bias!.Value.ToArray();
        long[] wq = init["fc1.weight_quantized"].ToInt64Array(), bq = init["fc1.bias_quantized"].ToInt64Array();
        float[] accScale = init["fc1.accumulator_scale"].ToFloatArray();
        Assert.Equal("conv2.output.zero_point", nodes.Single(n => n.Name == "fc1.matmul").Input[2]);  // max pooling keeps conv2's parameters
        float xScale = init["conv2.output.scale"].ToFloatArray()[0];
        foreach (int j in new[] { 0, 17, 127 })
        {
            float ws = w.AsSpan(j * 1600, 1600).ToArray().Max(MathF.Abs) / 127f;
            Assert.Equal(ws * (double)xScale, accScale[j], 1e-6 * accScale[j]);
            foreach (int k in new[] { 0, 1, 799, 1599 })
                Assert.Equal(ReferenceQuantize(w[j * 1600 + k], ws, 0, -127, 127), wq[k * 128 + j]);
            Assert.Equal(RoundHalfEven(bias[j] / ((double)xScale * ws)), bq[j]);
        }
    }

    [Fact]
    public void Quantize_OtherHeads_KeepTheirFloatForm()
    {
        var model = Create("normnet");  // conv → bn → tanh → avgpool → flatten → fc1 → bn → sigmoid → fc2: a float head
        var q = Int8Quantizer.Quantize(model, Card(model, "normnet"), RandomImages(16, 3).Data);
        Assert.DoesNotContain(q.Graph.Node, n => n.OpType == "MatMulInteger");
        Assert.Equal(2, q.Graph.Node.Count(n => n.OpType == "Gemm"));
        Assert.Single(q.Graph.Node, n => n.OpType == "DequantizeLinear");
    }

    [Fact]
    public void Quantize_RejectsNetworkWithoutLeadingConvolution_AndBadCalibration()
    {
        var mlp = new Sequential<float>([1, 28, 28], [("flatten", new Flatten<float>()), ("fc", new Linear<float>(784, 10))]);
        Assert.Throws<NotSupportedException>(() => Int8Quantizer.Quantize(mlp, Card(mlp, "mlp"), RandomImages(4, 1).Data));
        var lenet = Create("lenet");
        Assert.Throws<ArgumentException>(() => Int8Quantizer.Quantize(lenet, Card(lenet, "lenet"), new float[783]));
    }

    [Fact]
    public void Importer_RejectsInt8Model_WithAClearMessage()
    {
        var model = Create("lenet");
        var q = Int8Quantizer.Quantize(model, Card(model, "lenet") with { QuantizedFrom = "mnist.onnx sha256:abc" }, RandomImages(8, 2).Data);
        var e = Assert.Throws<NotSupportedException>(() => OnnxImporter.Load(OnnxModel.Serialize(q)));
        Assert.Contains("quantized (int8)", e.Message, StringComparison.Ordinal);
        Assert.Contains("QuantizeLinear", e.Message, StringComparison.Ordinal);
        Assert.Contains("mnist.onnx sha256:abc", e.Message, StringComparison.Ordinal);
    }
}
