using System.Numerics;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Layers.Fusion;

/// <summary>
/// <see cref="BatchNorm{T}"/> → <see cref="ReLU{T}"/>: the normalization rectifies each plane while it is still in cache;
/// backward masks the gradient by that output, then runs the normalization's backward pass.
/// </summary>
public sealed class BatchNormRelu<T> : FusedLayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T>? _output, _outputGrad;

    /// <summary>Fuses <paramref name="norm"/> and the <paramref name="relu"/> after it (both keep their names and parameters).</summary>
    public BatchNormRelu(BatchNorm<T> norm, ReLU<T> relu) : base(norm, relu) => Norm = norm;

    /// <summary>The normalization (its parameters and running statistics are this layer's).</summary>
    public BatchNorm<T> Norm { get; }

    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input) => _output = Norm.Forward(input, rectify: true);

    /// <inheritdoc/>
    public override Tensor<T>? Backward(Tensor<T> outputGrad)
    {
        if (_output is null) throw new InvalidOperationException("Backward called before Forward.");
        _outputGrad = Tensor<T>.Reuse(_outputGrad, _output.Shape);
        ReLU<T>.MaskGradient(_output.Data, outputGrad.Data, _outputGrad.Data);
        return Norm.Backward(_outputGrad);
    }
}
