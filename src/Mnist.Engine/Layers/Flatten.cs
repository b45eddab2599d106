using System.Numerics;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Layers;

/// <summary>Flattens [N,…] to [N,F] (a view: no copy), as torch.nn.Flatten.</summary>
public sealed class Flatten<T> : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private int[] _inputShape = [];

    /// <inheritdoc/>
    public override int[] OutputItemShape(int[] inputItemShape) => [Tensor<T>.ElementCount(inputItemShape)];

    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input)
    {
        _inputShape = input.Shape;
        return input.Reshape(input.Dim(0), input.ItemLength);
    }

    /// <inheritdoc/>
    public override Tensor<T>? Backward(Tensor<T> outputGrad) =>
        NeedsInputGradient ? outputGrad.Reshape(_inputShape) : null;
}
