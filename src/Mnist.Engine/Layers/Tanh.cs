using System.Numerics;
using Mnist.Engine.Kernels;

namespace Mnist.Engine.Layers;

/// <summary>Hyperbolic tangent, y = tanh x, any shape (torch.nn.Tanh). Backward: dx = dy·(1 − y²).</summary>
public sealed class Tanh<T> : SmoothActivation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<T> x, Span<T> y) => Elementwise.Tanh<T>(x, y);

    /// <inheritdoc/>
    protected override T DerivativeFromOutput(T y) => T.One - y * y;
}
