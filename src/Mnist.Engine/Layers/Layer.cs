using System.Numerics;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Layers;

/// <summary>
/// A network layer with a forward pass that caches what its backward pass needs, and a backward pass
/// that returns the input gradient and accumulates (+=) into its parameters' gradients.
/// Names and arguments follow PyTorch. Tensors are batched: images are [N,C,H,W], vectors [N,F].
/// </summary>
public abstract class Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Layer name within its model (e.g. "conv1"); parameter names are prefixed with it.</summary>
    public string Name { get; set; } = "";

    /// <summary>Trainable parameters (empty for parameter-free layers).</summary>
    public virtual IReadOnlyList<Parameter<T>> Parameters => [];

    /// <summary>Training mode (dropout active, batch statistics) or inference mode.</summary>
    public virtual bool Training { get; set; } = true;

    /// <summary>When false (e.g. the first layer), <see cref="Backward"/> may skip computing the input gradient and return null.</summary>
    public virtual bool NeedsInputGradient { get; set; } = true;

    /// <summary>Shape of one output item for one input item of shape <paramref name="inputItemShape"/> (batch axis excluded).</summary>
    public abstract int[] OutputItemShape(int[] inputItemShape);

    /// <summary>Computes the output for a batch, caching what backward needs. The returned tensor may be reused by the next call.</summary>
    public abstract Tensor<T> Forward(Tensor<T> input);

    /// <summary>Given dLoss/dOutput of the last forward, accumulates parameter gradients and returns dLoss/dInput
    /// (null when <see cref="NeedsInputGradient"/> is false).</summary>
    public abstract Tensor<T>? Backward(Tensor<T> outputGrad);
}
