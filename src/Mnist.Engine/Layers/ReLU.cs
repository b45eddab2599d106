using System.Numerics;
using Mnist.Engine.Kernels;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Layers;

/// <summary>Rectified linear unit, y = max(x, 0), any shape.</summary>
public sealed class ReLU<T> : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T>? _output, _inputGrad;

    /// <summary>Set when the previous layer already rectified its output (see <see cref="Conv2d{T}.FusedRelu"/>).</summary>
    internal bool InputAlreadyRectified { get; set; }

    /// <inheritdoc/>
    public override int[] OutputItemShape(int[] inputItemShape) => (int[])inputItemShape.Clone();

    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input)
    {
        if (InputAlreadyRectified)
        {
            // The input is max(x, 0) already; backward needs exactly that tensor as "the output".
            _output = input;
            return input;
        }
        _output = Tensor<T>.Reuse(_output, input.Shape);
        Elementwise.Relu<T>(input.Span, _output.Span);
        return _output;
    }

    /// <inheritdoc/>
    public override Tensor<T>? Backward(Tensor<T> outputGrad)
    {
        if (_output is null) throw new InvalidOperationException("Backward called before Forward.");
        if (!NeedsInputGradient) return null;
        _inputGrad = Tensor<T>.Reuse(_inputGrad, _output.Shape);
        Elementwise.ReluBackward<T>(_output.Span, outputGrad.Span, _inputGrad.Span);
        return _inputGrad;
    }
}
