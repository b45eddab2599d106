using System.Text;
using Mnist.Engine.Formats.TfLite;
using Mnist.Engine.Layers;
using Mnist.Engine.IO;

namespace Mnist.Engine.Formats;

/// <summary>
/// Writes a <see cref="Sequential{T}"/> of floats as a TensorFlow Lite FlatBuffer usable as the original iOS app's
/// <c>mnistCNN.tflite</c>: input <c>input</c> float32 [1,28,28,1] (NHWC, values in [0,1]), output <c>probabilities</c>
/// float32 [1,10] (SOFTMAX).
/// </summary>
/// <remarks>
/// <para>Mapping: Conv2d → CONV_2D with OHWI weights and a bias (padding VALID, SAME where it equals the symmetric
/// padding, else an explicit PAD), a following ReLU fused; BatchNorm after Conv2d/Linear folded into its weights;
/// MaxPool2d/AvgPool2d → MAX_POOL_2D/AVERAGE_POOL_2D; Flatten → RESHAPE; Linear → FULLY_CONNECTED ([out,in]) with a
/// following ReLU fused; ReLU/Tanh/Sigmoid → RELU/TANH/LOGISTIC; ScaleShift and a standalone BatchNorm → MUL + ADD;
/// Dropout → nothing.</para>
/// <para>Flatten order: the engine (like PyTorch) flattens NCHW as (c,h,w), TFLite's NHWC tensor flattens as
/// (h,w,c). Instead of a runtime TRANSPOSE, the first FULLY_CONNECTED layer's weight columns are permuted from
/// (c,h,w) into (h,w,c) order, so the file computes exactly the engine's function.</para>
/// </remarks>
public static class TfLiteExporter
{
    /// <summary>Input tensor name.</summary>
    public const string InputName = "input";

    /// <summary>Output tensor name.</summary>
    public const string OutputName = "probabilities";

    /// <summary>Name of the <c>Model.metadata</c> entry holding the model card as JSON.</summary>
    public const string CardMetadataName = "mnist_model_card";

    /// <summary>Builds the TFLite file of <paramref name="model"/> (batch 1).</summary>
    /// <param name="model">The network (inference semantics are written).</param>
    /// <param name="card">Optional model card, stored as JSON in the <see cref="CardMetadataName"/> metadata entry.</param>
    /// <exception cref="NotSupportedException">A layer or geometry TFLite cannot express here.</exception>
    public static byte[] Export(Sequential<float> model, ModelCard? card = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var graph = InferenceGraph.Lower(model, foldBatchNorm: true);
        if (graph.OutputItemShape.Length != 1) throw new NotSupportedException("The network's output is not a vector of class scores.");
        var w = new Writer(card);
        return w.Build(graph);
    }

    /// <summary>Writes the TFLite file atomically (temporary file, then rename).</summary>
    public static void Save(Sequential<float> model, string path, ModelCard? card = null) =>
        AtomicFile.WriteAllBytes(path, Export(model, card));

    private sealed class Writer(ModelCard? card)
    {
        private readonly TfLiteModelBuilder _b = new()
        {
            Description = card is null ? $"{ModelCard.ProducerName} {ModelCard.EngineVersion}" : $"{card.Producer} {card.ProducerVersion}: {card.Architecture}",
        };

        private int _current;
        private int[] _shape = [];      // engine item shape (NCHW for images)
        private int[]? _flatOrder;      // after flattening an image: TFLite flat index → engine flat index

        public byte[] Build(InferenceGraph graph)
        {
            _shape = graph.InputItemShape;
            _current = _b.AddTensor(InputName, TfShape(_shape), TfLiteTensorType.Float32);
            int input = _current;
            var ops = graph.Ops;
            for (int i = 0; i < ops.Count; i++)
            {
                var op = ops[i];
                bool fuseRelu = i + 1 < ops.Count && ops[i + 1] is ActivationOp { Kind: ActivationKind.Relu };
                switch (op)
                {
                    case ConvOp c:
                        Conv(c, fuseRelu);
                        if (fuseRelu) i++;
                        break;
                    case LinearOp l:
                        Linear(l, fuseRelu);
                        if (fuseRelu) i++;
                        break;
                    case ActivationOp a:
                        Unary(a.Name, a.Kind switch
                        {
                            ActivationKind.Relu => TfLiteBuiltinOperator.Relu,
                            ActivationKind.Tanh => TfLiteBuiltinOperator.Tanh,
                            _ => TfLiteBuiltinOperator.Logistic,
                        });
                        break;
                    case PoolOp p:
                        Pool(p);
                        break;
                    case FlattenOp f:
                        Flatten(f);
                        break;
                    case ReshapeOp r:
                        if (!SameMemoryOrder(r.InputShape) || !SameMemoryOrder(r.OutputShape))
                            throw new NotSupportedException($"Reshape '{r.Name}' from [{string.Join(',', r.InputShape)}] to [{string.Join(',', r.OutputShape)}] moves data between NCHW and NHWC layouts.");
                        Reshape(r.Name, r.OutputShape);
                        break;
                    case ScaleShiftOp s:
                        MulAdd(s.Name, ToTfLayout(s.Scale, s.InputShape), ToTfLayout(s.Shift, s.InputShape), TfShape(s.InputShape));
                        break;
                    case BatchNormOp n:
                        {
                            int ch = n.Gamma.Length;
                            var scale = new float[ch];
                            var shift = new float[ch];
                            for (int c = 0; c < ch; c++)
                            {
                                double k = n.Gamma[c] / Math.Sqrt((double)n.Variance[c] + n.Eps);
                                scale[c] = (float)k;
                                shift[c] = (float)(n.Beta[c] - n.Mean[c] * k);
                            }

                            // Channels are the last NHWC axis, so [C] constants broadcast per channel; a flattened
                            // vector's features are its channels.
                            if (_shape.Length == 1 && _flatOrder is not null) throw new NotSupportedException($"BatchNorm '{n.Name}' on a flattened image.");
                            MulAdd(n.Name, scale, shift, [ch]);
                            break;
                        }

                    default:
                        throw new NotSupportedException($"Op '{op.Name}' ({op.GetType().Name}) has no TFLite mapping.");
                }
            }

            if (_flatOrder is not null) throw new NotSupportedException("The output is a flattened image; a FULLY_CONNECTED layer must follow Flatten.");
            int probs = _b.AddTensor(OutputName, TfShape(_shape), TfLiteTensorType.Float32);
            _b.AddOperator(TfLiteBuiltinOperator.Softmax, [_current], [probs], new TfLiteSoftmaxOptions(1f));
            _b.SetInputs(input);
            _b.SetOutputs(probs);
            if (card is not null) _b.AddMetadata(CardMetadataName, Encoding.UTF8.GetBytes(card.ToJson()));
            return _b.Build();
        }

        private void Conv(ConvOp c, bool relu)
        {
            int k = c.KernelSize, cin = c.InChannels, cout = c.OutChannels;
            var ohwi = new float[c.Weight.Length];
            for (int o = 0; o < cout; o++)
                for (int i = 0; i < cin; i++)
                    for (int y = 0; y < k; y++)
                        for (int x = 0; x < k; x++)
                            ohwi[((o * k + y) * k + x) * cin + i] = c.Weight[((o * cin + i) * k + y) * k + x];
            int weights = _b.AddTensor($"{c.Name}/weights", [cout, k, k, cin], ohwi);
            int bias = _b.AddTensor($"{c.Name}/bias", [cout], c.Bias ?? new float[cout]);
            TfLitePadding padding = TfLitePadding.Valid;
            if (c.Padding > 0)
            {
                if (SameEquals(c.InputShape, k, c.Stride, c.Padding))
                {
                    padding = TfLitePadding.Same;
                }
                else
                {
                    int p = c.Padding;
                    int paddings = _b.AddTensor($"{c.Name}/paddings", [4, 2], (ReadOnlySpan<int>)[0, 0, p, p, p, p, 0, 0]);
                    int[] padded = [c.InputShape[0], c.InputShape[1] + 2 * p, c.InputShape[2] + 2 * p];
                    int padOut = _b.AddTensor($"{c.Name}/padded", TfShape(padded), TfLiteTensorType.Float32);
                    _b.AddOperator(TfLiteBuiltinOperator.Pad, [_current, paddings], [padOut]);
                    _current = padOut;
                }
            }

            int output = _b.AddTensor(c.Name, TfShape(c.OutputShape), TfLiteTensorType.Float32);
            _b.AddOperator(TfLiteBuiltinOperator.Conv2D, [_current, weights, bias], [output],
                new TfLiteConv2DOptions(padding, c.Stride, c.Stride, relu ? TfLiteActivation.Relu : TfLiteActivation.None));
            _current = output;
            _shape = c.OutputShape;
        }

        private void Linear(LinearOp l, bool relu)
        {
            float[] weight = l.Weight;
            if (_flatOrder is not null)
            {
                weight = new float[l.Weight.Length];
                for (int o = 0; o < l.OutFeatures; o++)
                    for (int t = 0; t < l.InFeatures; t++) weight[o * l.InFeatures + t] = l.Weight[o * l.InFeatures + _flatOrder[t]];
                _flatOrder = null;
            }

            int weights = _b.AddTensor($"{l.Name}/weights", [l.OutFeatures, l.InFeatures], weight);
            int bias = _b.AddTensor($"{l.Name}/bias", [l.OutFeatures], l.Bias ?? new float[l.OutFeatures]);
            int output = _b.AddTensor(l.Name, [1, l.OutFeatures], TfLiteTensorType.Float32);
            _b.AddOperator(TfLiteBuiltinOperator.FullyConnected, [_current, weights, bias], [output],
                new TfLiteFullyConnectedOptions(relu ? TfLiteActivation.Relu : TfLiteActivation.None));
            _current = output;
            _shape = l.OutputShape;
        }

        private void Pool(PoolOp p)
        {
            TfLitePadding padding = TfLitePadding.Valid;
            if (p.Padding > 0)
            {
                // TFLite SAME pooling skips padded cells: the engine's max pooling, and average pooling without count_include_pad.
                if (!SameEquals(p.InputShape, p.KernelSize, p.Stride, p.Padding) || (p.Average && p.CountIncludePad))
                    throw new NotSupportedException($"Pooling '{p.Name}' with padding {p.Padding} has no TFLite equivalent.");
                padding = TfLitePadding.Same;
            }

            int output = _b.AddTensor(p.Name, TfShape(p.OutputShape), TfLiteTensorType.Float32);
            _b.AddOperator(p.Average ? TfLiteBuiltinOperator.AveragePool2D : TfLiteBuiltinOperator.MaxPool2D, [_current], [output],
                new TfLitePool2DOptions(padding, p.Stride, p.Stride, p.KernelSize, p.KernelSize));
            _current = output;
            _shape = p.OutputShape;
        }

        private void Flatten(FlattenOp f)
        {
            if (_flatOrder is null && !SameMemoryOrder(_shape))
            {
                int c = _shape[0], h = _shape[1], wd = _shape[2];
                _flatOrder = new int[c * h * wd];
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < wd; x++)
                        for (int ch = 0; ch < c; ch++) _flatOrder[(y * wd + x) * c + ch] = (ch * h + y) * wd + x;
            }

            Reshape(f.Name, f.OutputShape);
        }

        private void Reshape(string name, int[] itemShape)
        {
            int[] shape = TfShape(itemShape);
            int target = _b.AddTensor($"{name}/shape", [shape.Length], (ReadOnlySpan<int>)shape);
            int output = _b.AddTensor(name, shape, TfLiteTensorType.Float32);
            _b.AddOperator(TfLiteBuiltinOperator.Reshape, [_current, target], [output], new TfLiteReshapeOptions(shape));
            _current = output;
            _shape = itemShape;
        }

        private void Unary(string name, TfLiteBuiltinOperator op)
        {
            int output = _b.AddTensor(name, TfShape(_shape), TfLiteTensorType.Float32);
            _b.AddOperator(op, [_current], [output]);
            _current = output;
        }

        private void MulAdd(string name, float[] scale, float[] shift, int[] constantShape)
        {
            int s = _b.AddTensor($"{name}/scale", constantShape, scale);
            int t = _b.AddTensor($"{name}/shift", constantShape, shift);
            int scaled = _b.AddTensor($"{name}/scaled", TfShape(_shape), TfLiteTensorType.Float32);
            int output = _b.AddTensor(name, TfShape(_shape), TfLiteTensorType.Float32);
            _b.AddOperator(TfLiteBuiltinOperator.Mul, [_current, s], [scaled], new TfLiteMulOptions());
            _b.AddOperator(TfLiteBuiltinOperator.Add, [scaled, t], [output], new TfLiteAddOptions());
            _current = output;
        }

        // Engine-layout item constants → TFLite layout (NHWC for images, the flat order for vectors).
        private float[] ToTfLayout(float[] values, int[] itemShape)
        {
            if (itemShape.Length == 1)
                return _flatOrder is null ? values : [.. _flatOrder.Select(e => values[e])];
            if (itemShape.Length != 3) return values;
            int c = itemShape[0], h = itemShape[1], wd = itemShape[2];
            var r = new float[values.Length];
            for (int ch = 0; ch < c; ch++)
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < wd; x++) r[(y * wd + x) * c + ch] = values[(ch * h + y) * wd + x];
            return r;
        }

        // True when TFLite's tensor for this engine item shape has the same element order (vectors; images with one channel or one pixel).
        private bool SameMemoryOrder(int[] itemShape) =>
            itemShape.Length != 3 ? _flatOrder is null : itemShape[0] == 1 || itemShape[1] * itemShape[2] == 1;

        // TFLite SAME padding (total = max((ceil(in/s) − 1)·s + k − in, 0), the odd pixel after) equals symmetric padding p.
        private static bool SameEquals(int[] inputShape, int k, int stride, int p)
        {
            for (int axis = 1; axis <= 2; axis++)
            {
                int size = inputShape[axis], outSize = (size + stride - 1) / stride;
                int total = Math.Max((outSize - 1) * stride + k - size, 0);
                if (total != 2 * p || (size + 2 * p - k) / stride + 1 != outSize) return false;
            }

            return true;
        }

        private static int[] TfShape(int[] itemShape) => itemShape.Length switch
        {
            3 => [1, itemShape[1], itemShape[2], itemShape[0]],
            _ => [1, .. itemShape],
        };
    }
}
