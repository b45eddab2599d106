using System.Numerics;
using Mnist.Engine.Kernels;

namespace Mnist.Engine.Layers;

/// <summary>Logistic sigmoid, y = 1 / (1 + e^−x), any shape (torch.nn.Sigmoid). Backward: dx = dy·y·(1 − y).</summary>
public sealed class Sigmoid<T> : SmoothActivation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<T> x, Span<T> y) => Elementwise.Sigmoid<T>(x, y);

    /// <inheritdoc/>
    protected override T DerivativeFromOutput(T y) => y * (T.One - y);
}
