using System.Numerics;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Optim;

/// <summary>
/// AdamW: Adam with decoupled weight decay (Loshchilov &amp; Hutter, https://arxiv.org/abs/1711.05101), with the
/// semantics of PyTorch's <c>torch.optim.AdamW</c> (amsgrad off; https://pytorch.org/docs/stable/generated/torch.optim.AdamW.html).
/// </summary>
/// <remarks>
/// Per scalar, at step t (1-based), λ = <see cref="Optimizer{T}.WeightDecay"/> (0 where decay does not apply):
/// <code>
/// w ← w·(1 − lr·λ)
/// m ← β1·m + (1 − β1)·g          (computed as PyTorch's lerp)
/// v ← β2·v + (1 − β2)·g²
/// w ← w − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)
/// </code>
/// The gradient itself never sees the decay, unlike <see cref="Adam{T}"/>. State: "exp_avg" (m), "exp_avg_sq" (v).
/// </remarks>
public sealed class AdamW<T> : AdamBase<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the optimizer.</summary>
    /// <exception cref="ArgumentOutOfRangeException">learningRate, epsilon or weightDecay is negative or not finite, or a beta is outside [0, 1).</exception>
    public AdamW(ParameterSet<T> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double epsilon = 1e-8, double weightDecay = 0.01)
        : base(parameters, learningRate, beta1, beta2, epsilon, weightDecay)
    {
    }

    /// <inheritdoc/>
    protected override (double L2, double Shrink) Decay(bool decay) => (0, decay ? 1 - LearningRate * WeightDecay : 1);
}
