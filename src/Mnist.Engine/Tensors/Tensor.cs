using System.Numerics;

namespace Mnist.Engine.Tensors;

/// <summary>
/// A dense, row-major (C-order) tensor. Training uses <c>Tensor&lt;float&gt;</c> with the SIMD kernels;
/// <c>Tensor&lt;double&gt;</c> runs the same layers through the scalar reference kernels, which is how
/// gradients are checked by finite differences in float64.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
public sealed class Tensor<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates a zero-filled tensor of the given shape.</summary>
    public Tensor(params int[] shape)
    {
        Shape = ValidateShape(shape);
        Length = ElementCount(Shape);
        Data = new T[Length];
    }

    /// <summary>Wraps <paramref name="data"/> (not copied); its length must equal the shape's element count.</summary>
    public Tensor(T[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        Shape = ValidateShape(shape);
        Length = ElementCount(Shape);
        if (data.Length != Length)
            throw new ArgumentException($"Data has {data.Length} elements but shape [{string.Join(',', shape)}] needs {Length}.", nameof(data));
        Data = data;
    }

    /// <summary>The elements, row-major. Exactly <see cref="Length"/> long.</summary>
    public T[] Data { get; }

    /// <summary>The dimensions, outermost first (for images: [N,C,H,W]).</summary>
    public int[] Shape { get; }

    /// <summary>Total number of elements.</summary>
    public int Length { get; }

    /// <summary>Number of dimensions.</summary>
    public int Rank => Shape.Length;

    /// <summary>The elements as a span.</summary>
    public Span<T> Span => Data.AsSpan();

    /// <summary>Size of dimension <paramref name="axis"/>; negative axes count from the end.</summary>
    public int Dim(int axis) => Shape[axis < 0 ? Shape.Length + axis : axis];

    /// <summary>Element count of one item along the first axis (e.g. C·H·W for [N,C,H,W]).</summary>
    public int ItemLength => Shape.Length == 0 ? 1 : Length / Math.Max(Shape[0], 1);

    /// <summary>True when this tensor has exactly <paramref name="shape"/>.</summary>
    public bool HasShape(ReadOnlySpan<int> shape) => Shape.AsSpan().SequenceEqual(shape);

    /// <summary>A tensor sharing this one's data with another shape of the same element count.</summary>
    public Tensor<T> Reshape(params int[] shape) => new(Data, shape);

    /// <summary>A deep copy.</summary>
    public Tensor<T> Clone() => new((T[])Data.Clone(), (int[])Shape.Clone());

    /// <summary>Returns <paramref name="existing"/> when it already has <paramref name="shape"/>, else a new zeroed tensor.
    /// Layers use it to keep their activation buffers from one step to the next.</summary>
    public static Tensor<T> Reuse(Tensor<T>? existing, params int[] shape) =>
        existing is not null && existing.HasShape(shape) ? existing : new Tensor<T>(shape);

    /// <summary>Product of the dimensions.</summary>
    public static int ElementCount(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (int d in shape) n *= d;
        if (n > Array.MaxLength) throw new ArgumentException($"Shape [{string.Join(',', shape.ToArray())}] is too large.");
        return (int)n;
    }

    /// <inheritdoc/>
    public override string ToString() => $"Tensor<{typeof(T).Name}>[{string.Join(',', Shape)}]";

    private static int[] ValidateShape(int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        foreach (int d in shape)
            if (d < 0) throw new ArgumentOutOfRangeException(nameof(shape), $"Negative dimension in [{string.Join(',', shape)}].");
        return (int[])shape.Clone();
    }
}
