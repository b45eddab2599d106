using System.Numerics;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Optim;

/// <summary>
/// Adam (Kingma &amp; Ba, https://arxiv.org/abs/1412.6980) with L2 weight decay added to the gradient, with the
/// semantics of PyTorch's <c>torch.optim.Adam</c> (amsgrad off; https://pytorch.org/docs/stable/generated/torch.optim.Adam.html).
/// </summary>
/// <remarks>
/// Per scalar, at step t (1-based), λ = <see cref="Optimizer{T}.WeightDecay"/> (0 where decay does not apply):
/// <code>
/// g ← g + λ·w
/// m ← β1·m + (1 − β1)·g          (computed as PyTorch's lerp)
/// v ← β2·v + (1 − β2)·g²
/// w ← w − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)
/// </code>
/// State: "exp_avg" (m), "exp_avg_sq" (v). Use <see cref="AdamW{T}"/> for decoupled weight decay.
/// </remarks>
public sealed class Adam<T> : AdamBase<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the optimizer.</summary>
    /// <exception cref="ArgumentOutOfRangeException">learningRate, epsilon or weightDecay is negative or not finite, or a beta is outside [0, 1).</exception>
    public Adam(ParameterSet<T> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double epsilon = 1e-8, double weightDecay = 0)
        : base(parameters, learningRate, beta1, beta2, epsilon, weightDecay)
    {
    }

    /// <inheritdoc/>
    protected override (double L2, double Shrink) Decay(bool decay) => (decay ? WeightDecay : 0, 1);
}
