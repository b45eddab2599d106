using System.Numerics;
using Mnist.Engine.Kernels;
using Mnist.Engine.Kernels.Common;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Layers;

/// <summary>Rectified linear unit, y = max(x, 0), any shape.</summary>
public sealed class ReLU<T> : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    // Below this many elements per thread the hand-off costs more than it saves.
    private const int MinElementsPerChunk = 32 * 1024;
    private Tensor<T>? _output, _inputGrad;

    /// <summary>Set when the previous layer already rectified its output (see <see cref="Conv2d{T}.FusedRelu"/>).</summary>
    internal bool InputAlreadyRectified { get; set; }

    /// <summary>
    /// Set by <see cref="Sequential{T}"/> when a <see cref="MaxPool2d{T}"/> follows: that layer masks its output gradient
    /// by its output (each pooled value is this layer's output at the chosen position), so the gradient it returns is
    /// already zero wherever this layer's output is not positive, and backward passes it through.
    /// </summary>
    internal bool GradientMaskedByNext { get; set; }

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
        T[] x = input.Data, y = _output.Data;
        Parallelism.ForChunks(x.Length, (_, start, end) => Elementwise.Relu<T>(x.AsSpan(start, end - start), y.AsSpan(start, end - start)),
            minItemsPerChunk: MinElementsPerChunk);
        return _output;
    }

    /// <inheritdoc/>
    public override Tensor<T>? Backward(Tensor<T> outputGrad)
    {
        if (_output is null) throw new InvalidOperationException("Backward called before Forward.");
        if (!NeedsInputGradient) return null;
        if (GradientMaskedByNext) return outputGrad;
        _inputGrad = Tensor<T>.Reuse(_inputGrad, _output.Shape);
        T[] y = _output.Data, dy = outputGrad.Data, dx = _inputGrad.Data;
        // Element-wise, so any split gives the same bits; activations of a batch outgrow one core's cache.
        Parallelism.ForChunks(y.Length, (_, start, end) =>
            Elementwise.ReluBackward<T>(y.AsSpan(start, end - start), dy.AsSpan(start, end - start), dx.AsSpan(start, end - start)),
            minItemsPerChunk: MinElementsPerChunk);
        return _inputGrad;
    }
}
