using System.Numerics;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Layers;

/// <summary>
/// Element-wise y = x·scale + shift with constant (not trained) <see cref="Scale"/> and <see cref="Shift"/>
/// of one item's full shape. The ONNX importer uses it for <c>Mul</c>/<c>Add</c>/<c>Sub</c>/<c>Div</c> by a constant
/// that cannot be folded into a neighbouring layer, e.g. an input normalization (x − mean)/std inside the model.
/// Backward: dx = dy·scale.
/// </summary>
public sealed class ScaleShift<T> : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T>? _output, _inputGrad;

    /// <summary>Creates the layer for items of shape <paramref name="itemShape"/>; each array is one item's elements, or null for 1 (scale) / 0 (shift).</summary>
    public ScaleShift(int[] itemShape, T[]? scale, T[]? shift)
    {
        ArgumentNullException.ThrowIfNull(itemShape);
        ItemShape = (int[])itemShape.Clone();
        int n = Tensor<T>.ElementCount(itemShape);
        if (scale is not null && scale.Length != n) throw new ArgumentException($"Scale has {scale.Length} elements, the item {n}.", nameof(scale));
        if (shift is not null && shift.Length != n) throw new ArgumentException($"Shift has {shift.Length} elements, the item {n}.", nameof(shift));
        Scale = scale is null ? Enumerable.Repeat(T.One, n).ToArray() : (T[])scale.Clone();
        Shift = shift is null ? new T[n] : (T[])shift.Clone();
    }

    /// <summary>Shape of one item.</summary>
    public int[] ItemShape { get; }

    /// <summary>Multiplier per item element.</summary>
    public T[] Scale { get; }

    /// <summary>Addend per item element (applied after the multiplier).</summary>
    public T[] Shift { get; }

    /// <inheritdoc/>
    public override int[] OutputItemShape(int[] inputItemShape)
    {
        if (!inputItemShape.AsSpan().SequenceEqual(ItemShape))
            throw new ArgumentException($"{Name}: ScaleShift expects item [{string.Join(',', ItemShape)}], got [{string.Join(',', inputItemShape)}].");
        return (int[])ItemShape.Clone();
    }

    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input)
    {
        OutputItemShape(input.Shape[1..]);
        _output = Tensor<T>.Reuse(_output, input.Shape);
        var x = input.Span;
        var y = _output.Span;
        int item = Scale.Length;
        for (int n = 0; n < input.Dim(0); n++)
        {
            int o = n * item;
            for (int i = 0; i < item; i++) y[o + i] = x[o + i] * Scale[i] + Shift[i];
        }
        return _output;
    }

    /// <inheritdoc/>
    public override Tensor<T>? Backward(Tensor<T> outputGrad)
    {
        if (_output is null) throw new InvalidOperationException("Backward called before Forward.");
        if (!NeedsInputGradient) return null;
        _inputGrad = Tensor<T>.Reuse(_inputGrad, _output.Shape);
        var dy = outputGrad.Span;
        var dx = _inputGrad.Span;
        int item = Scale.Length;
        for (int i = 0; i < dx.Length; i++) dx[i] = dy[i] * Scale[i % item];
        return _inputGrad;
    }
}
