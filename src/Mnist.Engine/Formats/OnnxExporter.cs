using Mnist.Engine.Formats.Onnx;
using Mnist.Engine.Layers;
using Mnist.Engine.IO;

namespace Mnist.Engine.Formats;

/// <summary>
/// Writes a <see cref="Sequential{T}"/> of floats as an ONNX model (opset 13, IR 7) with the project's I/O
/// contract: input <c>input</c> float32 [N,1,28,28] (symbolic N), output <c>probabilities</c> float32 [N,10],
/// the softmax (axis 1) of the network's logits, and the <see cref="ModelCard"/> in <c>metadata_props</c>.
/// </summary>
/// <remarks>
/// Layer mapping: Conv2d → Conv (BatchNorm right after it folded in), Linear → Gemm (transB=1), ReLU/Tanh/Sigmoid →
/// the op of that name, MaxPool2d → MaxPool, AvgPool2d → AveragePool, Flatten → Flatten(axis=1), Reshape →
/// Reshape with a [-1,…] shape, ScaleShift → Mul + Add, a BatchNorm that follows no Conv2d/Linear →
/// BatchNormalization, Dropout → nothing. Initializers are named after the engine's parameters (<c>conv1.weight</c>).
/// </remarks>
public static class OnnxExporter
{
    /// <summary>The graph input name.</summary>
    public const string InputName = "input";

    /// <summary>The graph output name.</summary>
    public const string OutputName = "probabilities";

    /// <summary>Default-domain opset written.</summary>
    public const long Opset = 13;

    /// <summary>IR version written.</summary>
    public const long IrVersion = 7;

    /// <summary>Builds the ONNX model of <paramref name="model"/> (its weights and, for BatchNorm, running statistics).</summary>
    /// <param name="model">The network; its layers' Training flag is ignored (inference semantics are written).</param>
    /// <param name="card">Model card written into <c>metadata_props</c>.</param>
    /// <param name="foldBatchNorm">Fold BatchNorm into the preceding Conv2d/Linear (faster; exact to float rounding).</param>
    /// <exception cref="NotSupportedException">A layer type without an ONNX mapping, or a non-vector output.</exception>
    public static ModelProto Export(Sequential<float> model, ModelCard card, bool foldBatchNorm = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(card);
        var graph = InferenceGraph.Lower(model, foldBatchNorm);
        if (graph.OutputItemShape.Length != 1)
            throw new NotSupportedException($"The network's output item shape [{string.Join(',', graph.OutputItemShape)}] is not a vector of class scores.");

        var b = new OnnxGraphBuilder("mnist")
        {
            OpsetVersion = Opset,
            IrVersion = IrVersion,
            ProducerName = card.Producer,
            ProducerVersion = card.ProducerVersion,
            DocString = "MNIST digit classifier. Input 'input' float32 [N,1,28,28]: values in [0,1], white ink on black, " +
                        "MNIST-style preprocessed. Output 'probabilities' float32 [N,10]: softmax over the digits 0-9.",
        };
        b.AddInput(InputName, OnnxDataType.Float, [.. Dims(graph.InputItemShape)]);

        string x = InputName;
        foreach (var op in graph.Ops)
        {
            AddFloatOp(b, op, x);
            x = op.Name;
        }

        b.AddNode("Softmax", [x], [OutputName], AttributeProto.Int("axis", 1)).Name = "softmax";
        b.AddOutput(OutputName, OnnxDataType.Float, [.. Dims(graph.OutputItemShape)]);
        foreach (var (key, value) in card.ToMetadata()) b.SetMetadata(key, value);
        return b.Build();
    }

    /// <summary>The ONNX file bytes of <paramref name="model"/>.</summary>
    public static byte[] ExportBytes(Sequential<float> model, ModelCard card, bool foldBatchNorm = true) =>
        OnnxModel.Serialize(Export(model, card, foldBatchNorm));

    /// <summary>Writes the ONNX file atomically (temporary file, then rename): readers never see a partial model.</summary>
    public static void Save(Sequential<float> model, ModelCard card, string path, bool foldBatchNorm = true) =>
        AtomicFile.WriteAllBytes(path, ExportBytes(model, card, foldBatchNorm));

    /// <summary>Writes an already built model atomically.</summary>
    public static void Save(ModelProto model, string path) => AtomicFile.WriteAllBytes(path, OnnxModel.Serialize(model));

    /// <summary>
    /// Appends float op <paramref name="op"/> reading value <paramref name="x"/> and writing the value named after the op,
    /// with its value_info. Shared with <see cref="Int8Quantizer"/>, which keeps the layers it does not quantize in float.
    /// </summary>
    internal static void AddFloatOp(OnnxGraphBuilder b, InferenceOp op, string x)
    {
        string y = op.Name;
        switch (op)
        {
            case ConvOp c:
                {
                    b.AddInitializer($"{c.Name}.weight", [c.OutChannels, c.InChannels, c.KernelSize, c.KernelSize], c.Weight);
                    List<string> inputs = [x, $"{c.Name}.weight"];
                    if (c.Bias is not null)
                    {
                        b.AddInitializer($"{c.Name}.bias", [c.OutChannels], c.Bias);
                        inputs.Add($"{c.Name}.bias");
                    }

                    Named(b.AddNode("Conv", inputs, [y],
                        AttributeProto.IntList("kernel_shape", c.KernelSize, c.KernelSize),
                        AttributeProto.IntList("strides", c.Stride, c.Stride),
                        AttributeProto.IntList("pads", c.Padding, c.Padding, c.Padding, c.Padding),
                        AttributeProto.IntList("dilations", 1, 1),
                        AttributeProto.Int("group", 1)), op.Name);
                    break;
                }

            case LinearOp l:
                {
                    b.AddInitializer($"{l.Name}.weight", [l.OutFeatures, l.InFeatures], l.Weight);
                    List<string> inputs = [x, $"{l.Name}.weight"];
                    if (l.Bias is not null)
                    {
                        b.AddInitializer($"{l.Name}.bias", [l.OutFeatures], l.Bias);
                        inputs.Add($"{l.Name}.bias");
                    }

                    Named(b.AddNode("Gemm", inputs, [y], AttributeProto.Float("alpha", 1f), AttributeProto.Float("beta", 1f),
                        AttributeProto.Int("transB", 1)), op.Name);
                    break;
                }

            case BatchNormOp n:
                {
                    int ch = n.Gamma.Length;
                    b.AddInitializer($"{n.Name}.weight", [ch], n.Gamma);
                    b.AddInitializer($"{n.Name}.bias", [ch], n.Beta);
                    b.AddInitializer($"{n.Name}.running_mean", [ch], n.Mean);
                    b.AddInitializer($"{n.Name}.running_var", [ch], n.Variance);
                    Named(b.AddNode("BatchNormalization",
                        [x, $"{n.Name}.weight", $"{n.Name}.bias", $"{n.Name}.running_mean", $"{n.Name}.running_var"], [y],
                        AttributeProto.Float("epsilon", (float)n.Eps)), op.Name);
                    break;
                }

            case ActivationOp a:
                Named(b.AddNode(a.Kind switch
                {
                    ActivationKind.Relu => "Relu",
                    ActivationKind.Tanh => "Tanh",
                    _ => "Sigmoid",
                }, [x], [y]), op.Name);
                break;
            case PoolOp p:
                {
                    var attributes = new List<AttributeProto>
                    {
                        AttributeProto.IntList("kernel_shape", p.KernelSize, p.KernelSize),
                        AttributeProto.IntList("strides", p.Stride, p.Stride),
                        AttributeProto.IntList("pads", p.Padding, p.Padding, p.Padding, p.Padding),
                    };
                    if (p.Average) attributes.Add(AttributeProto.Int("count_include_pad", p.CountIncludePad ? 1 : 0));
                    Named(b.AddNode(p.Average ? "AveragePool" : "MaxPool", [x], [y], [.. attributes]), op.Name);
                    break;
                }

            case FlattenOp:
                Named(b.AddNode("Flatten", [x], [y], AttributeProto.Int("axis", 1)), op.Name);
                break;
            case ReshapeOp r:
                b.AddInt64Initializer($"{r.Name}.shape", [r.OutputShape.Length + 1], [-1, .. r.OutputShape.Select(d => (long)d)]);
                Named(b.AddNode("Reshape", [x, $"{r.Name}.shape"], [y]), op.Name);
                break;
            case ScaleShiftOp s:
                b.AddInitializer($"{s.Name}.scale", [1, .. s.InputShape], s.Scale);
                b.AddInitializer($"{s.Name}.shift", [1, .. s.InputShape], s.Shift);
                Named(b.AddNode("Mul", [x, $"{s.Name}.scale"], [$"{y}.scaled"]), op.Name + ".mul");
                Named(b.AddNode("Add", [$"{y}.scaled", $"{s.Name}.shift"], [y]), op.Name + ".add");
                break;
            default:
                throw new NotSupportedException($"Op {op.GetType().Name} has no ONNX mapping.");
        }

        b.AddValueInfo(y, OnnxDataType.Float, [.. Dims(op.OutputShape)]);
    }

    internal static IEnumerable<OnnxDim> Dims(int[] itemShape) => [OnnxDim.FromString("N"), .. itemShape.Select(d => OnnxDim.FromInt64(d))];

    private static void Named(NodeProto node, string name) => node.Name = name;
}
