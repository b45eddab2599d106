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

    /// <inheritdoc/>
    public override int[] OutputItemShape(int[] inputItemShape) => (int[])inputItemShape.Clone();

    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input)
    {
        _output = Tensor<T>.Reuse(_output, input.Shape);
        Rectify(input.Data, _output.Data);
        return _output;
    }

    /// <inheritdoc/>
    public override Tensor<T>? Backward(Tensor<T> outputGrad)
    {
        if (_output is null) throw new InvalidOperationException("Backward called before Forward.");
        if (!NeedsInputGradient) return null;
        _inputGrad = Tensor<T>.Reuse(_inputGrad, _output.Shape);
        MaskGradient(_output.Data, outputGrad.Data, _inputGrad.Data);
        return _inputGrad;
    }

    /// <summary>y = max(x, 0), element-wise over threads.</summary>
    internal static void Rectify(T[] x, T[] y) =>
        Parallelism.ForChunks(x.Length, (_, start, end) => Elementwise.Relu<T>(x.AsSpan(start, end - start), y.AsSpan(start, end - start)),
            minItemsPerChunk: MinElementsPerChunk);

    /// <summary>dx = dy where y &gt; 0, else 0: the backward pass from the output y.</summary>
    internal static void MaskGradient(T[] y, T[] dy, T[] dx) =>
        // Element-wise, so any split gives the same bits; activations of a batch outgrow one core's cache.
        Parallelism.ForChunks(y.Length, (_, start, end) =>
            Elementwise.ReluBackward<T>(y.AsSpan(start, end - start), dy.AsSpan(start, end - start), dx.AsSpan(start, end - start)),
            minItemsPerChunk: MinElementsPerChunk);
}
