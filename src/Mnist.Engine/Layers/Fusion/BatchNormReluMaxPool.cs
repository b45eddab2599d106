using System.Numerics;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Layers.Fusion;

/// <summary>
/// <see cref="BatchNorm{T}"/> → <see cref="ReLU{T}"/> → <see cref="MaxPool2d{T}"/>: the normalization rectifies each plane
/// while it is still in cache, and backward masks only the pooled gradient (the ReLU's backward pass on a quarter of the
/// elements with 2×2 pooling) before routing it back and running the normalization's backward pass.
/// </summary>
public sealed class BatchNormReluMaxPool<T> : FusedLayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly RectifiedMaxPool<T> _pool;
    private Tensor<T>? _output, _outputGrad;

    /// <summary>Fuses <paramref name="norm"/>, <paramref name="relu"/> and <paramref name="pool"/>, in that order.</summary>
    public BatchNormReluMaxPool(BatchNorm<T> norm, ReLU<T> relu, MaxPool2d<T> pool) : base(norm, relu, pool)
    {
        Norm = norm;
        _pool = new RectifiedMaxPool<T>(pool);
    }

    /// <summary>The normalization (its parameters and running statistics are this layer's).</summary>
    public BatchNorm<T> Norm { get; }

    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input)
    {
        _output = Norm.Forward(input, rectify: true);
        return _pool.Forward(_output);
    }

    /// <inheritdoc/>
    public override Tensor<T>? Backward(Tensor<T> outputGrad)
    {
        if (_output is null) throw new InvalidOperationException("Backward called before Forward.");
        _outputGrad = Tensor<T>.Reuse(_outputGrad, _output.Shape);
        _pool.WriteInputGradient(outputGrad, _outputGrad);
        return Norm.Backward(_outputGrad);
    }
}
