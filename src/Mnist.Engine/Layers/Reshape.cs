using System.Numerics;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Layers;

/// <summary>
/// Reshapes each item to <see cref="ItemShape"/> (a view: no copy), like torch's <c>x.view(N, …)</c>.
/// Used by the ONNX importer for files whose input is laid out differently (e.g. Keras' [N,28,28,1]).
/// </summary>
public sealed class Reshape<T> : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private int[] _inputShape = [];

    /// <summary>Reshapes items to <paramref name="itemShape"/> (batch axis excluded).</summary>
    public Reshape(params int[] itemShape)
    {
        ArgumentNullException.ThrowIfNull(itemShape);
        foreach (int d in itemShape) ArgumentOutOfRangeException.ThrowIfNegativeOrZero(d, nameof(itemShape));
        ItemShape = (int[])itemShape.Clone();
    }

    /// <summary>Target shape of one item.</summary>
    public int[] ItemShape { get; }

    /// <inheritdoc/>
    public override int[] OutputItemShape(int[] inputItemShape)
    {
        if (Tensor<T>.ElementCount(inputItemShape) != Tensor<T>.ElementCount(ItemShape))
            throw new ArgumentException($"{Name}: cannot reshape item [{string.Join(',', inputItemShape)}] to [{string.Join(',', ItemShape)}].");
        return (int[])ItemShape.Clone();
    }

    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input)
    {
        OutputItemShape(input.Shape[1..]);
        _inputShape = input.Shape;
        return input.Reshape([input.Dim(0), .. ItemShape]);
    }

    /// <inheritdoc/>
    public override Tensor<T>? Backward(Tensor<T> outputGrad) =>
        NeedsInputGradient ? outputGrad.Reshape(_inputShape) : null;
}
