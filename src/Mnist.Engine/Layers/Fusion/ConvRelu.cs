using System.Numerics;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Layers.Fusion;

/// <summary>
/// <see cref="Conv2d{T}"/> → <see cref="ReLU{T}"/>: the convolution rectifies its output while it is still in cache
/// (no separate pass over it); backward masks the gradient by that output, then runs the convolution's backward pass.
/// </summary>
public sealed class ConvRelu<T> : FusedLayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ConvolutionCore<T> _core;
    private Tensor<T>? _output, _outputGrad, _inputGrad;

    /// <summary>Fuses <paramref name="conv"/> and the <paramref name="relu"/> after it (both keep their names and parameters).</summary>
    public ConvRelu(Conv2d<T> conv, ReLU<T> relu) : base(conv, relu)
    {
        Conv = conv;
        _core = new ConvolutionCore<T>(conv);
    }

    /// <summary>The convolution (its parameters are this layer's).</summary>
    public Conv2d<T> Conv { get; }

    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input)
    {
        var g = _core.Begin(input);
        _output = Tensor<T>.Reuse(_output, g.Batch, Conv.OutChannels, g.OutHeight, g.OutWidth);
        _core.Forward(_output, Training, relu: true);
        return _output;
    }

    /// <inheritdoc/>
    public override Tensor<T>? Backward(Tensor<T> outputGrad)
    {
        if (_output is null) throw new InvalidOperationException("Backward called before Forward.");
        _outputGrad = Tensor<T>.Reuse(_outputGrad, _output.Shape);
        ReLU<T>.MaskGradient(_output.Data, outputGrad.Data, _outputGrad.Data);
        _core.BackwardWeights(_outputGrad);
        if (!NeedsInputGradient) return null;
        _inputGrad = Tensor<T>.Reuse(_inputGrad, _core.Input.Shape);
        _core.BackwardData(_outputGrad, _inputGrad);
        return _inputGrad;
    }
}
