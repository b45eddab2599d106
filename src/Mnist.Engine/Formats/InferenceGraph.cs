using Mnist.Engine.Layers;

namespace Mnist.Engine.Formats;

/// <summary>
/// A <see cref="Sequential{T}"/> lowered for export: inference semantics only, Dropout removed, and each
/// BatchNorm that directly follows a Conv2d or Linear folded into that layer's weights
/// (W' = W·γ/√(σ²+ε) per output channel, b' = (b − μ)·γ/√(σ²+ε) + β, computed in float64).
/// Every op knows its input and output item shapes (batch axis excluded).
/// </summary>
internal sealed class InferenceGraph
{
    private InferenceGraph(int[] inputItemShape, int[] outputItemShape, IReadOnlyList<InferenceOp> ops)
    {
        InputItemShape = inputItemShape;
        OutputItemShape = outputItemShape;
        Ops = ops;
    }

    public int[] InputItemShape { get; }

    public int[] OutputItemShape { get; }

    public IReadOnlyList<InferenceOp> Ops { get; }

    /// <summary>Lowers <paramref name="model"/>; <paramref name="foldBatchNorm"/> false keeps BatchNorm as its own op.</summary>
    /// <exception cref="NotSupportedException">A layer type the exporters do not know.</exception>
    public static InferenceGraph Lower(Sequential<float> model, bool foldBatchNorm = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        var ops = new List<InferenceOp>();
        int[] shape = model.InputItemShape;
        var layers = model.UnfusedLayers;
        for (int i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            int[] output = layer.OutputItemShape(shape);
            BatchNorm<float>? bn = foldBatchNorm && i + 1 < layers.Count && layers[i + 1] is BatchNorm<float> next ? next : null;
            switch (layer)
            {
                case Conv2d<float> c:
                    {
                        float[] w = c.Weight.Value.ToArray();
                        float[]? b = c.Bias?.Value.ToArray();
                        if (bn is not null)
                        {
                            (w, b) = Fold(w, b, bn);
                            i++;
                        }

                        ops.Add(new ConvOp(layer.Name, shape, output, c.InChannels, c.OutChannels, c.KernelSize, c.Stride, c.Padding, w, b));
                        break;
                    }

                case Linear<float> l:
                    {
                        float[] w = l.Weight.Value.ToArray();
                        float[]? b = l.Bias?.Value.ToArray();
                        if (bn is not null)
                        {
                            (w, b) = Fold(w, b, bn);
                            i++;
                        }

                        ops.Add(new LinearOp(layer.Name, shape, output, l.InFeatures, l.OutFeatures, w, b));
                        break;
                    }

                case BatchNorm<float> n:
                    ops.Add(new BatchNormOp(layer.Name, shape, output, n.Weight.Value.ToArray(), n.Bias.Value.ToArray(),
                        (float[])n.RunningMean.Clone(), (float[])n.RunningVar.Clone(), n.Eps));
                    break;
                case ReLU<float>:
                    ops.Add(new ActivationOp(layer.Name, shape, output, ActivationKind.Relu));
                    break;
                case Tanh<float>:
                    ops.Add(new ActivationOp(layer.Name, shape, output, ActivationKind.Tanh));
                    break;
                case Sigmoid<float>:
                    ops.Add(new ActivationOp(layer.Name, shape, output, ActivationKind.Sigmoid));
                    break;
                case MaxPool2d<float> p:
                    ops.Add(new PoolOp(layer.Name, shape, output, false, p.KernelSize, p.Stride, p.Padding, false));
                    break;
                case AvgPool2d<float> p:
                    ops.Add(new PoolOp(layer.Name, shape, output, true, p.KernelSize, p.Stride, p.Padding, p.CountIncludePad));
                    break;
                case Flatten<float>:
                    ops.Add(new FlattenOp(layer.Name, shape, output));
                    break;
                case Reshape<float>:
                    ops.Add(new ReshapeOp(layer.Name, shape, output));
                    break;
                case ScaleShift<float> s:
                    ops.Add(new ScaleShiftOp(layer.Name, shape, output, (float[])s.Scale.Clone(), (float[])s.Shift.Clone()));
                    break;
                case Dropout<float>:
                    break; // identity at inference
                default:
                    throw new NotSupportedException($"Layer '{layer.Name}' of type {layer.GetType().Name} cannot be exported.");
            }

            // Calibration reads the op's value off the engine layer that finishes it (a folded BatchNorm, not its Conv).
            if (ops.Count > 0 && ops[^1].LastLayer < 0) ops[^1] = ops[^1] with { LastLayer = i };
            shape = output;
        }

        return new InferenceGraph(model.InputItemShape, model.OutputItemShape, ops);
    }

    // Folds an inference-mode batch norm over the output channels into the preceding weights [out, …] and bias [out].
    private static (float[] Weight, float[] Bias) Fold(float[] weight, float[]? bias, BatchNorm<float> bn)
    {
        int channels = bn.Channels;
        if (weight.Length % channels != 0) throw new InvalidOperationException($"BatchNorm '{bn.Name}' does not match the preceding layer's outputs.");
        int per = weight.Length / channels;
        var w = new float[weight.Length];
        var b = new float[channels];
        var gamma = bn.Weight.Value.Span;
        var beta = bn.Bias.Value.Span;
        for (int c = 0; c < channels; c++)
        {
            double k = gamma[c] / Math.Sqrt((double)bn.RunningVar[c] + bn.Eps);
            for (int j = 0; j < per; j++) w[c * per + j] = (float)(weight[c * per + j] * k);
            b[c] = (float)((((bias?[c]) ?? 0.0) - bn.RunningMean[c]) * k + beta[c]);
        }

        return (w, b);
    }
}

/// <summary>Activation functions the exporters know.</summary>
internal enum ActivationKind
{
    Relu,
    Tanh,
    Sigmoid,
}

/// <summary>One inference op with its input and output item shapes.</summary>
internal abstract record InferenceOp(string Name, int[] InputShape, int[] OutputShape)
{
    /// <summary>Index in <see cref="Sequential{T}.UnfusedLayers"/> of the last layer this op covers (its output is the op's output).</summary>
    public int LastLayer { get; init; } = -1;
}

/// <summary>Convolution, weight [Cout,Cin,K,K], bias [Cout] or null.</summary>
internal sealed record ConvOp(string Name, int[] InputShape, int[] OutputShape, int InChannels, int OutChannels, int KernelSize, int Stride, int Padding,
    float[] Weight, float[]? Bias) : InferenceOp(Name, InputShape, OutputShape);

/// <summary>Fully connected, weight [out,in], bias [out] or null.</summary>
internal sealed record LinearOp(string Name, int[] InputShape, int[] OutputShape, int InFeatures, int OutFeatures, float[] Weight, float[]? Bias)
    : InferenceOp(Name, InputShape, OutputShape);

/// <summary>Inference batch norm over the channel axis (one not folded into a preceding layer).</summary>
internal sealed record BatchNormOp(string Name, int[] InputShape, int[] OutputShape, float[] Gamma, float[] Beta, float[] Mean, float[] Variance, double Eps)
    : InferenceOp(Name, InputShape, OutputShape);

/// <summary>Element-wise activation.</summary>
internal sealed record ActivationOp(string Name, int[] InputShape, int[] OutputShape, ActivationKind Kind) : InferenceOp(Name, InputShape, OutputShape);

/// <summary>Max or average pooling.</summary>
internal sealed record PoolOp(string Name, int[] InputShape, int[] OutputShape, bool Average, int KernelSize, int Stride, int Padding, bool CountIncludePad)
    : InferenceOp(Name, InputShape, OutputShape);

/// <summary>Flatten to [F].</summary>
internal sealed record FlattenOp(string Name, int[] InputShape, int[] OutputShape) : InferenceOp(Name, InputShape, OutputShape);

/// <summary>Reshape (row-major view) to another item shape.</summary>
internal sealed record ReshapeOp(string Name, int[] InputShape, int[] OutputShape) : InferenceOp(Name, InputShape, OutputShape);

/// <summary>y = x·scale + shift with per-element constants of one item.</summary>
internal sealed record ScaleShiftOp(string Name, int[] InputShape, int[] OutputShape, float[] Scale, float[] Shift) : InferenceOp(Name, InputShape, OutputShape);
