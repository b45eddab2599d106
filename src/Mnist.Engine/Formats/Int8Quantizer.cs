using System.Globalization;
using Mnist.Engine.Data;
using Mnist.Engine.Formats.Onnx;
using Mnist.Engine.Layers;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Formats;

/// <summary>
/// Post-training static int8 quantization of a float network into an ONNX model with the same I/O contract as
/// <see cref="OnnxExporter"/> (float <c>input</c> [N,1,28,28] in, float softmax <c>probabilities</c> [N,10] out).
/// </summary>
/// <remarks>
/// <para>The leading run of convolutions (BatchNorm folded in), ReLUs and max pools runs in integers (ONNX operator
/// form, opset 13): QuantizeLinear at the input → QLinearConv (uint8 activations per tensor, int8 weights symmetric per
/// output channel, int32 bias) → MaxPool on uint8 → … → DequantizeLinear. A ReLU right after a convolution costs nothing:
/// the convolution's output range is calibrated after the ReLU, so its zero point is 0 and requantization's saturation
/// at 0 is the ReLU. Max pooling commutes with the monotone quantization, so it is exact on uint8.</para>
/// <para>When everything after that run is Flatten then Linear layers, each optionally followed by a ReLU (Dropout is
/// gone at inference), as in the <c>default</c> architecture, those run in integers too: Flatten on uint8, each Linear
/// as MatMulInteger with int32 bias rescaled per output column, requantized to uint8 (ReLU again as the saturation at
/// zero point 0), and the last Linear's real value is the float logits for Softmax. Any other head (Tanh, a BatchNorm
/// of its own, average pooling, …) stays float after one DequantizeLinear, written exactly as
/// <see cref="OnnxExporter"/> writes it, then Softmax.</para>
/// <para>Activation ranges are the minimum and maximum the float network produces on the calibration images
/// (deterministic: the same images give the same file).</para>
/// </remarks>
public static class Int8Quantizer
{
    /// <summary>Calibration images used when the caller does not choose.</summary>
    public const int DefaultCalibrationCount = 2000;

    /// <summary>
    /// <paramref name="count"/> training images for calibration, evenly spaced through the split (index i·Count/count),
    /// as floats in [0,1] laid out [count,1,28,28]. Evenly spaced rather than random: reproducible without a seed, and
    /// MNIST's training files are not sorted by class, so every digit is represented.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is not in 1…<c>train.Count</c>.</exception>
    public static float[] CalibrationImages(MnistDataset train, int count = DefaultCalibrationCount)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, train.Count);
        int pixels = train.PixelsPerImage;
        var images = new float[count * pixels];
        for (int i = 0; i < count; i++)
        {
            var image = train.Image((int)((long)i * train.Count / count));
            for (int p = 0; p < pixels; p++) images[i * pixels + p] = image[p] / 255f;
        }

        return images;
    }

    /// <summary>Quantizes <paramref name="model"/> and returns the ONNX model.</summary>
    /// <param name="model">The float network (e.g. <see cref="ImportedModel.Model"/> of a shipped <c>.onnx</c>).</param>
    /// <param name="card">Model card written into <c>metadata_props</c>; its <see cref="ModelCard.Quantization"/> is set here.</param>
    /// <param name="calibration">Calibration images, [count, …input item shape] flattened (see <see cref="CalibrationImages"/>).</param>
    /// <exception cref="ArgumentException">The calibration data is empty or not whole items.</exception>
    /// <exception cref="NotSupportedException">The network does not start with a convolution, or has no ONNX mapping.</exception>
    public static ModelProto Quantize(Sequential<float> model, ModelCard card, ReadOnlySpan<float> calibration)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(card);
        var graph = InferenceGraph.Lower(model);
        if (graph.OutputItemShape.Length != 1)
            throw new NotSupportedException($"The network's output item shape [{string.Join(',', graph.OutputItemShape)}] is not a vector of class scores.");
        int itemSize = Tensor<float>.ElementCount(graph.InputItemShape);
        if (calibration.Length == 0 || calibration.Length % itemSize != 0)
            throw new ArgumentException($"The calibration data holds {calibration.Length} values, not a positive whole number of {itemSize}-value items.", nameof(calibration));
        int calibrationCount = calibration.Length / itemSize;

        int quantized = QuantizedPrefix(graph.Ops);
        if (quantized == 0 || graph.Ops[0] is not ConvOp)
            throw new NotSupportedException("Int8 quantization needs a network that starts with a convolution; this one starts with " +
                                            (graph.Ops.Count > 0 ? graph.Ops[0].GetType().Name : "nothing") + ".");
        var (inputRange, opRanges) = Calibrate(model, graph, calibration, itemSize);

        var b = new OnnxGraphBuilder("mnist")
        {
            OpsetVersion = OnnxExporter.Opset,
            IrVersion = OnnxExporter.IrVersion,
            ProducerName = card.Producer,
            ProducerVersion = card.ProducerVersion,
            DocString = "MNIST digit classifier, int8-quantized. Input 'input' float32 [N,1,28,28]: values in [0,1], white ink on black, " +
                        "MNIST-style preprocessed. Output 'probabilities' float32 [N,10]: softmax over the digits 0-9.",
        };
        b.AddInput(OnnxExporter.InputName, OnnxDataType.Float, [.. OnnxExporter.Dims(graph.InputItemShape)]);

        var xq = QuantizationMath.ForUInt8Range(inputRange.Min, inputRange.Max);
        string x = "input.quantized", xParams = "input";  // xParams: prefix of the .scale/.zero_point initializers of x
        AddQuantParams(b, xParams, xq);
        b.AddNode("QuantizeLinear", [OnnxExporter.InputName, "input.scale", "input.zero_point"], [x]).Name = "input.quantize";
        b.AddValueInfo(x, OnnxDataType.UInt8, [.. OnnxExporter.Dims(graph.InputItemShape)]);

        int convPrefix = quantized;
        quantized += IntegerTail(graph.Ops, quantized);
        bool floatOutput = false;  // the last op ran in integers but wrote float (the logits layer)
        for (int i = 0; i < quantized; i++)
        {
            var op = graph.Ops[i];
            switch (op)
            {
                case ConvOp c:
                    {
                        var yq = OutputQuantization(graph.Ops, ref i, quantized, opRanges);
                        AddQLinearConv(b, c, x, xParams, xq, yq);
                        x = c.Name;
                        xParams = $"{c.Name}.output";
                        xq = yq;
                        break;
                    }

                case PoolOp p:
                    b.AddNode("MaxPool", [x], [p.Name],
                        AttributeProto.IntList("kernel_shape", p.KernelSize, p.KernelSize),
                        AttributeProto.IntList("strides", p.Stride, p.Stride),
                        AttributeProto.IntList("pads", p.Padding, p.Padding, p.Padding, p.Padding)).Name = p.Name;
                    x = p.Name;
                    break;
                case FlattenOp f:
                    // Flatten only moves bytes, so it runs on uint8 and keeps the tensor's quantization parameters.
                    b.AddNode("Flatten", [x], [f.Name], AttributeProto.Int("axis", 1)).Name = f.Name;
                    x = f.Name;
                    break;
                case LinearOp l when i == graph.Ops.Count - 1:
                    // The logits: integer product and bias, dequantized straight to float for Softmax.
                    AddIntegerLinear(b, l, x, xParams, xq, output: null);
                    x = l.Name;
                    floatOutput = true;
                    b.AddValueInfo(x, OnnxDataType.Float, [.. OnnxExporter.Dims(op.OutputShape)]);
                    continue;
                case LinearOp l:
                    {
                        var yq = OutputQuantization(graph.Ops, ref i, quantized, opRanges);
                        AddIntegerLinear(b, l, x, xParams, xq, yq);
                        x = l.Name;
                        xParams = $"{l.Name}.output";
                        xq = yq;
                        break;
                    }

                default:
                    throw new InvalidOperationException($"Op {op.Name} ({op.GetType().Name}) was selected for int8 but has no int8 form.");
            }

            b.AddValueInfo(x, OnnxDataType.UInt8, [.. OnnxExporter.Dims(op.OutputShape)]);
        }

        if (!floatOutput)  // the integer part ends on uint8: dequantize it for the float ops that follow
        {
            string last = graph.Ops[quantized - 1].Name;
            string dequantized = last + ".dequantized";
            b.AddNode("DequantizeLinear", [x, $"{xParams}.scale", $"{xParams}.zero_point"], [dequantized]).Name = last + ".dequantize";
            b.AddValueInfo(dequantized, OnnxDataType.Float, [.. OnnxExporter.Dims(graph.Ops[quantized - 1].OutputShape)]);
            x = dequantized;
        }

        for (int i = quantized; i < graph.Ops.Count; i++)
        {
            OnnxExporter.AddFloatOp(b, graph.Ops[i], x);
            x = graph.Ops[i].Name;
        }

        b.AddNode("Softmax", [x], [OnnxExporter.OutputName], AttributeProto.Int("axis", 1)).Name = "softmax";
        b.AddOutput(OnnxExporter.OutputName, OnnxDataType.Float, [.. OnnxExporter.Dims(graph.OutputItemShape)]);
        var inv = CultureInfo.InvariantCulture;
        string scheme = string.Create(inv,
            $"int8: {CountOps<ConvOp>(graph.Ops, quantized)} conv layers as QLinearConv (uint8 activations per tensor, int8 symmetric per-channel weights, int32 bias)");
        if (quantized > convPrefix)
        {
            scheme += string.Create(inv, $", {CountOps<LinearOp>(graph.Ops, quantized)} linear layers as MatMulInteger (int8 symmetric per-output weights) + int32 bias, rescaled per column in float");
            if (floatOutput) scheme += " (the last one's float output is the logits)";
        }

        scheme += string.Create(inv, $"; activation ranges min/max over {calibrationCount} calibration images");
        if (quantized < graph.Ops.Count) scheme += $"; {string.Join(", ", graph.Ops.Skip(quantized).Select(o => o.Name))} float";
        foreach (var (key, value) in (card with { Quantization = scheme }).ToMetadata()) b.SetMetadata(key, value);
        return b.Build();
    }

    // How many leading ops run in int8: convolutions, ReLUs right after a convolution, and max pools.
    private static int QuantizedPrefix(IReadOnlyList<InferenceOp> ops)
    {
        int n = 0;
        while (n < ops.Count && (ops[n] is ConvOp || (ops[n] is PoolOp { Average: false }) || (IsRelu(ops[n]) && n > 0 && ops[n - 1] is ConvOp)))
            n++;

        return n;
    }

    // The uint8 parameters of op i's output. A ReLU right after it is absorbed: the range is calibrated after the ReLU
    // and i moves past it, so requantization's saturation at zero point 0 is the ReLU.
    private static QuantParams OutputQuantization(IReadOnlyList<InferenceOp> ops, ref int i, int quantized, Dictionary<int, (float Min, float Max)> opRanges)
    {
        var outputOp = i + 1 < quantized && IsRelu(ops[i + 1]) ? ops[++i] : ops[i];
        var range = opRanges[outputOp.LastLayer];
        return QuantizationMath.ForUInt8Range(range.Min, range.Max);
    }

    private static bool IsRelu(InferenceOp op) => op is ActivationOp { Kind: ActivationKind.Relu };

    // How many ops after the convolutional prefix also run in integers: all of them when they are a Flatten followed by
    // Linear layers (each optionally followed by a ReLU), else none, so any other head keeps the float form it had.
    private static int IntegerTail(IReadOnlyList<InferenceOp> ops, int prefix)
    {
        if (prefix >= ops.Count || ops[prefix] is not FlattenOp || prefix + 1 >= ops.Count) return 0;
        for (int i = prefix + 1; i < ops.Count; i++)
        {
            bool ok = ops[i] is LinearOp || (IsRelu(ops[i]) && ops[i - 1] is LinearOp);
            if (!ok) return 0;
        }

        return ops.Count - prefix;
    }

    private static int CountOps<T>(IReadOnlyList<InferenceOp> ops, int prefix) => ops.Take(prefix).Count(o => o is T);

    // Runs the float network layer by layer over the calibration images; returns the input's range and, per layer index,
    // the range of that layer's output.
    private static ((float Min, float Max) Input, Dictionary<int, (float Min, float Max)> Layers) Calibrate(
        Sequential<float> model, InferenceGraph graph, ReadOnlySpan<float> calibration, int itemSize)
    {
        const int batch = 250;
        bool training = model.Training;
        model.Training = false;
        try
        {
            var wanted = graph.Ops.Select(o => o.LastLayer).ToHashSet();
            var ranges = new Dictionary<int, (float Min, float Max)>();
            var input = (Min: float.PositiveInfinity, Max: float.NegativeInfinity);
            int count = calibration.Length / itemSize;
            for (int start = 0; start < count; start += batch)
            {
                int n = Math.Min(batch, count - start);
                float[] data = calibration.Slice(start * itemSize, n * itemSize).ToArray();
                input = Widen(input, data);
                var t = new Tensor<float>(data, [n, .. graph.InputItemShape]);
                for (int l = 0; l < model.UnfusedLayers.Count; l++)
                {
                    t = model.UnfusedLayers[l].Forward(t);
                    if (!wanted.Contains(l)) continue;
                    var seen = Widen(ranges.GetValueOrDefault(l, (float.PositiveInfinity, float.NegativeInfinity)),
                        t.Span[..Tensor<float>.ElementCount(t.Shape)]);
                    ranges[l] = seen;
                }
            }

            return (input, ranges);
        }
        finally
        {
            model.Training = training;
        }
    }

    private static (float Min, float Max) Widen((float Min, float Max) range, ReadOnlySpan<float> values)
    {
        float min = range.Min, max = range.Max;
        foreach (float v in values)
        {
            if (!float.IsFinite(v)) throw new InvalidDataException("The float network produced a non-finite value on a calibration image.");
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }

        return (min, max);
    }

    private static void AddQuantParams(OnnxGraphBuilder b, string prefix, QuantParams q)
    {
        b.AddInitializer($"{prefix}.scale", [], [q.Scale]);
        b.AddInitializer(TensorProto.FromUInt8s($"{prefix}.zero_point", [], [(byte)q.ZeroPoint]));
    }

    // QLinearConv inputs, in the operator's order: x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point, B.
    private static void AddQLinearConv(OnnxGraphBuilder b, ConvOp c, string x, string xParams, QuantParams xq, QuantParams yq)
    {
        int perChannel = c.InChannels * c.KernelSize * c.KernelSize;
        var wq = new sbyte[c.Weight.Length];
        var wScale = new float[c.OutChannels];
        var bias = new int[c.OutChannels];
        for (int m = 0; m < c.OutChannels; m++)
        {
            var w = c.Weight.AsSpan(m * perChannel, perChannel);
            wScale[m] = QuantizationMath.SymmetricScale(w);
            QuantizationMath.QuantizeWeights(w, wScale[m], wq.AsSpan(m * perChannel, perChannel));
            bias[m] = QuantizationMath.QuantizeBias(c.Bias?[m] ?? 0f, xq.Scale, wScale[m]);
        }

        long m64 = c.OutChannels;
        b.AddInitializer(TensorProto.FromInt8s($"{c.Name}.weight_quantized", [m64, c.InChannels, c.KernelSize, c.KernelSize], wq));
        b.AddInitializer($"{c.Name}.weight_scale", [c.OutChannels], wScale);
        b.AddInitializer(TensorProto.FromInt8s($"{c.Name}.weight_zero_point", [m64], new sbyte[c.OutChannels]));
        b.AddInitializer(TensorProto.FromInt32s($"{c.Name}.bias_quantized", [m64], bias));
        AddQuantParams(b, $"{c.Name}.output", yq);
        b.AddNode("QLinearConv",
            [x, $"{xParams}.scale", $"{xParams}.zero_point", $"{c.Name}.weight_quantized", $"{c.Name}.weight_scale", $"{c.Name}.weight_zero_point",
             $"{c.Name}.output.scale", $"{c.Name}.output.zero_point", $"{c.Name}.bias_quantized"],
            [c.Name],
            AttributeProto.IntList("kernel_shape", c.KernelSize, c.KernelSize),
            AttributeProto.IntList("strides", c.Stride, c.Stride),
            AttributeProto.IntList("pads", c.Padding, c.Padding, c.Padding, c.Padding),
            AttributeProto.IntList("dilations", 1, 1),
            AttributeProto.Int("group", 1)).Name = c.Name;
    }

    /// <summary>
    /// A Linear layer on uint8 input x: MatMulInteger (x − x_zero_point)·Wᵀ with int8 symmetric per-output weights into
    /// int32, Add of the int32 bias (scale x_scale·w_scale[j], like QLinearConv's), Cast to float and Mul by the
    /// per-column scale x_scale·w_scale[j] to the real value, then, when <paramref name="output"/> is given,
    /// QuantizeLinear to uint8 (a following ReLU is its saturation at zero point 0). Without it the float value is the
    /// layer's output.
    /// </summary>
    /// <remarks>
    /// Plain opset-13 operators rather than ONNX Runtime's contrib ops (QGemm), so any ONNX runtime can run the file.
    /// QLinearMatMul would requantize in one op but has no bias input. Cast + Mul is the same arithmetic as a per-axis
    /// DequantizeLinear of the int32 accumulator, which ORT 1.31.1 ran slower here (docs/benchmarks.md).
    /// </remarks>
    private static void AddIntegerLinear(OnnxGraphBuilder b, LinearOp l, string x, string xParams, QuantParams xq, QuantParams? output)
    {
        int inF = l.InFeatures, outF = l.OutFeatures;
        var wq = new sbyte[inF * outF];  // [in, out]: MatMulInteger's B is the transpose of the engine's [out, in]
        var row = new sbyte[inF];
        var accScale = new float[outF];
        var bias = new int[outF];
        for (int j = 0; j < outF; j++)
        {
            var w = l.Weight.AsSpan(j * inF, inF);
            float ws = QuantizationMath.SymmetricScale(w);
            QuantizationMath.QuantizeWeights(w, ws, row);
            for (int k = 0; k < inF; k++) wq[k * outF + j] = row[k];
            bias[j] = QuantizationMath.QuantizeBias(l.Bias?[j] ?? 0f, xq.Scale, ws);
            accScale[j] = QuantizationMath.AccumulatorScale(xq.Scale, ws);
        }

        string n = l.Name;
        b.AddInitializer(TensorProto.FromInt8s($"{n}.weight_quantized", [inF, outF], wq));
        b.AddInitializer(TensorProto.FromInt32s($"{n}.bias_quantized", [outF], bias));
        b.AddInitializer($"{n}.accumulator_scale", [outF], accScale);
        var dims = OnnxExporter.Dims(l.OutputShape).ToArray();
        b.AddNode("MatMulInteger", [x, $"{n}.weight_quantized", $"{xParams}.zero_point"], [$"{n}.product"]).Name = $"{n}.matmul";
        b.AddValueInfo($"{n}.product", OnnxDataType.Int32, dims);
        b.AddNode("Add", [$"{n}.product", $"{n}.bias_quantized"], [$"{n}.accumulator"]).Name = $"{n}.bias";
        b.AddValueInfo($"{n}.accumulator", OnnxDataType.Int32, dims);
        string real = output is null ? n : $"{n}.real";
        b.AddNode("Cast", [$"{n}.accumulator"], [$"{n}.accumulator_float"], AttributeProto.Int("to", (long)OnnxDataType.Float)).Name = $"{n}.cast";
        b.AddValueInfo($"{n}.accumulator_float", OnnxDataType.Float, dims);
        b.AddNode("Mul", [$"{n}.accumulator_float", $"{n}.accumulator_scale"], [real]).Name = $"{n}.scale";
        if (output is not { } yq) return;
        b.AddValueInfo(real, OnnxDataType.Float, dims);
        AddQuantParams(b, $"{n}.output", yq);
        b.AddNode("QuantizeLinear", [real, $"{n}.output.scale", $"{n}.output.zero_point"], [n]).Name = $"{n}.quantize";
    }
}
