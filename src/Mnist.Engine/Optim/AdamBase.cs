using System.Numerics;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Optim;

/// <summary>
/// What Adam and AdamW share: the moment estimates, bias correction and hyper-parameters. They differ only in
/// how weight decay enters (<see cref="Decay"/>): added to the gradient (Adam) or shrinking the weights (AdamW).
/// </summary>
public abstract class AdamBase<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _m, _v;

    /// <summary>Validates the hyper-parameters and allocates the "exp_avg" and "exp_avg_sq" state.</summary>
    /// <exception cref="ArgumentOutOfRangeException">learningRate, epsilon or weightDecay is negative or not finite, or a beta is outside [0, 1).</exception>
    protected AdamBase(ParameterSet<T> parameters, double learningRate, double beta1, double beta2, double epsilon, double weightDecay)
        : base(parameters, learningRate, weightDecay)
    {
        Beta1 = HyperParameter.UnitHalfOpen(beta1, nameof(beta1));
        Beta2 = HyperParameter.UnitHalfOpen(beta2, nameof(beta2));
        Epsilon = HyperParameter.NonNegative(epsilon, nameof(epsilon));
        _m = AddState("exp_avg");
        _v = AddState("exp_avg_sq");
    }

    /// <summary>Decay rate β1 of the first moment.</summary>
    public double Beta1 { get; }

    /// <summary>Decay rate β2 of the second moment.</summary>
    public double Beta2 { get; }

    /// <summary>ε added to the bias-corrected √v.</summary>
    public double Epsilon { get; }

    /// <summary>The L2 coefficient added to the gradient and the factor the weights are multiplied by before the update.</summary>
    protected abstract (double L2, double Shrink) Decay(bool decay);

    /// <inheritdoc/>
    protected sealed override void Update(int start, int length, bool decay)
    {
        double t = StepCount;
        double stepSize = LearningRate / (1 - Math.Pow(Beta1, t));
        double bc2Sqrt = Math.Sqrt(1 - Math.Pow(Beta2, t));
        var (l2, shrink) = Decay(decay);
        AdamUpdate.Apply(Parameters.Values.AsSpan(start, length), Parameters.Grads.AsSpan(start, length),
            _m.AsSpan(start, length), _v.AsSpan(start, length), VectorizedLength(length),
            Beta1, Beta2, Epsilon, stepSize, bc2Sqrt, l2, shrink);
    }
}
