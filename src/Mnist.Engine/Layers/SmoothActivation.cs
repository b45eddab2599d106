using System.Numerics;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Layers;

/// <summary>
/// An element-wise activation whose derivative is a function of its own output (tanh, sigmoid): forward keeps
/// y, backward computes dx = dy·f′ expressed through y. Subclasses give the function and that derivative.
/// </summary>
public abstract class SmoothActivation<T> : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T>? _output, _inputGrad;

    /// <summary>y = f(x), element by element.</summary>
    protected abstract void Apply(ReadOnlySpan<T> x, Span<T> y);

    /// <summary>f′(x) written in terms of y = f(x).</summary>
    protected abstract T DerivativeFromOutput(T y);

    /// <inheritdoc/>
    public override int[] OutputItemShape(int[] inputItemShape) => (int[])inputItemShape.Clone();

    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input)
    {
        ArgumentNullException.ThrowIfNull(input);
        _output = Tensor<T>.Reuse(_output, input.Shape);
        Apply(input.Span, _output.Span);
        return _output;
    }

    /// <inheritdoc/>
    public override Tensor<T>? Backward(Tensor<T> outputGrad)
    {
        ArgumentNullException.ThrowIfNull(outputGrad);
        if (_output is null) throw new InvalidOperationException("Backward called before Forward.");
        if (!NeedsInputGradient) return null;
        _inputGrad = Tensor<T>.Reuse(_inputGrad, _output.Shape);
        var y = _output.Span;
        var dy = outputGrad.Span;
        var dx = _inputGrad.Span;
        for (int i = 0; i < dx.Length; i++) dx[i] = dy[i] * DerivativeFromOutput(y[i]);
        return _inputGrad;
    }
}
