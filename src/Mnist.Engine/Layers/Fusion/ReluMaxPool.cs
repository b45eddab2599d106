using System.Numerics;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Layers.Fusion;

/// <summary>
/// <see cref="ReLU{T}"/> → <see cref="MaxPool2d{T}"/> (not after a convolution or normalization, which take the ReLU in):
/// backward masks only the pooled gradient (the ReLU's backward pass on a quarter of the elements with 2×2 pooling)
/// before routing it back, instead of a full-size pass.
/// </summary>
public sealed class ReluMaxPool<T> : FusedLayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly RectifiedMaxPool<T> _pool;
    private Tensor<T>? _rectified, _inputGrad;

    /// <summary>Fuses <paramref name="relu"/> and the <paramref name="pool"/> after it.</summary>
    public ReluMaxPool(ReLU<T> relu, MaxPool2d<T> pool) : base(relu, pool) => _pool = new RectifiedMaxPool<T>(pool);

    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input)
    {
        _rectified = Tensor<T>.Reuse(_rectified, input.Shape);
        ReLU<T>.Rectify(input.Data, _rectified.Data);
        return _pool.Forward(_rectified);
    }

    /// <inheritdoc/>
    public override Tensor<T>? Backward(Tensor<T> outputGrad)
    {
        if (_rectified is null) throw new InvalidOperationException("Backward called before Forward.");
        if (!NeedsInputGradient) return null;
        _inputGrad = Tensor<T>.Reuse(_inputGrad, _rectified.Shape);
        _pool.WriteInputGradient(outputGrad, _inputGrad);
        return _inputGrad;
    }
}
