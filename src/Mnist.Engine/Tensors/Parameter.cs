using System.Numerics;

namespace Mnist.Engine.Tensors;

/// <summary>
/// A named trainable tensor and its gradient. Once a model is built, all parameters are packed into one
/// <see cref="ParameterSet{T}"/> allocation and <see cref="Value"/>/<see cref="Grad"/> point into it, so
/// optimizers, zero-grad and checkpoints work on one span.
/// </summary>
public sealed class Parameter<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates a parameter with its own zeroed storage (until packed).</summary>
    public Parameter(string name, params int[] shape)
    {
        Name = name;
        Shape = (int[])shape.Clone();
        Length = Tensor<T>.ElementCount(shape);
        Value = new T[Length];
        Grad = new T[Length];
    }

    /// <summary>Name, PyTorch-style ("weight", "bias"); the model prefixes the layer name.</summary>
    public string Name { get; internal set; }

    /// <summary>Dimensions, e.g. [Cout,Cin,kh,kw] for a convolution weight.</summary>
    public int[] Shape { get; }

    /// <summary>Element count.</summary>
    public int Length { get; }

    /// <summary>The values.</summary>
    public Memory<T> Value { get; private set; }

    /// <summary>The gradient, accumulated by backward passes until zeroed.</summary>
    public Memory<T> Grad { get; private set; }

    /// <summary>Whether weight decay applies (false for biases and normalization parameters when an optimizer asks).</summary>
    public bool DecayWeights { get; init; } = true;

    internal void Rebind(Memory<T> value, Memory<T> grad)
    {
        Value.Span.CopyTo(value.Span);
        Grad.Span.CopyTo(grad.Span);
        Value = value;
        Grad = grad;
    }
}
