using System.Numerics;
using Mnist.Engine.Kernels;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Layers;

/// <summary>Hyperbolic tangent, y = tanh x, any shape (torch.nn.Tanh). Backward: dx = dy·(1 − y²).</summary>
public sealed class Tanh<T> : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T>? _output, _inputGrad;

    /// <inheritdoc/>
    public override int[] OutputItemShape(int[] inputItemShape) => (int[])inputItemShape.Clone();

    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input)
    {
        _output = Tensor<T>.Reuse(_output, input.Shape);
        Elementwise.Tanh<T>(input.Span, _output.Span);
        return _output;
    }

    /// <inheritdoc/>
    public override Tensor<T>? Backward(Tensor<T> outputGrad)
    {
        if (_output is null) throw new InvalidOperationException("Backward called before Forward.");
        if (!NeedsInputGradient) return null;
        _inputGrad = Tensor<T>.Reuse(_inputGrad, _output.Shape);
        var y = _output.Span;
        var dy = outputGrad.Span;
        var dx = _inputGrad.Span;
        for (int i = 0; i < dx.Length; i++) dx[i] = dy[i] * (T.One - y[i] * y[i]);
        return _inputGrad;
    }
}
