using System.Numerics;
using System.Runtime.InteropServices;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Optim;

/// <summary>
/// Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and L2 weight decay,
/// with the semantics of PyTorch's <c>torch.optim.SGD</c> (https://pytorch.org/docs/stable/generated/torch.optim.SGD.html).
/// </summary>
/// <remarks>
/// Per scalar, at step t (1-based), with λ = <see cref="Optimizer{T}.WeightDecay"/> (0 where decay does not apply), μ = momentum, τ = dampening:
/// <code>
/// g ← g + λ·w
/// if μ ≠ 0:  b ← g                      (t = 1)
///            b ← μ·b + (1 − τ)·g          (t &gt; 1)
///            g ← nesterov ? g + μ·b : b
/// w ← w − lr·g
/// </code>
/// State: "momentum_buffer" (b), only when μ ≠ 0. NaN gradients propagate into the values.
/// </remarks>
public sealed class Sgd<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[]? _buffer;

    /// <summary>Creates the optimizer.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A hyper-parameter is negative or not finite (dampening must be in [0, 1]).</exception>
    /// <exception cref="ArgumentException"><paramref name="nesterov"/> is set without momentum &gt; 0 and dampening = 0.</exception>
    public Sgd(ParameterSet<T> parameters, double learningRate, double momentum = 0, double dampening = 0,
        bool nesterov = false, double weightDecay = 0)
        : base(parameters, learningRate, weightDecay)
    {
        Momentum = HyperParameter.NonNegative(momentum, nameof(momentum));
        Dampening = HyperParameter.UnitClosed(dampening, nameof(dampening));
        if (nesterov && (momentum <= 0 || dampening != 0))
            throw new ArgumentException("Nesterov momentum requires momentum > 0 and dampening = 0.", nameof(nesterov));
        Nesterov = nesterov;
        if (momentum != 0) _buffer = AddState("momentum_buffer");
    }

    /// <summary>Momentum factor μ.</summary>
    public double Momentum { get; }

    /// <summary>Dampening τ of the gradient added to the momentum buffer.</summary>
    public double Dampening { get; }

    /// <summary>Whether Nesterov momentum is used.</summary>
    public bool Nesterov { get; }

    /// <inheritdoc/>
    protected override void Update(int start, int length, bool decay)
    {
        var w = Parameters.Values.AsSpan(start, length);
        ReadOnlySpan<T> g = Parameters.Grads.AsSpan(start, length);
        T negLr = Scalar(-LearningRate);
        // Skipping the L2 term when it is off keeps w = ±∞ from turning 0·w into NaN, as PyTorch does.
        bool l2 = decay && WeightDecay != 0;
        T wd = Scalar(l2 ? WeightDecay : 0);
        int n = VectorizedLength(length);

        if (_buffer is null)
        {
            var wv = MemoryMarshal.Cast<T, Vector<T>>(w[..n]);
            var gv = MemoryMarshal.Cast<T, Vector<T>>(g[..n]);
            for (int i = 0; i < wv.Length; i++)
                wv[i] += negLr * (l2 ? gv[i] + wd * wv[i] : gv[i]);
            for (int i = n; i < length; i++)
                w[i] += negLr * (l2 ? g[i] + wd * w[i] : g[i]);
            return;
        }

        var b = _buffer.AsSpan(start, length);
        bool first = StepCount == 1;
        T mu = Scalar(Momentum);
        T keep = Scalar(1 - Dampening);
        bool nesterov = Nesterov;

        var wvec = MemoryMarshal.Cast<T, Vector<T>>(w[..n]);
        var gvec = MemoryMarshal.Cast<T, Vector<T>>(g[..n]);
        var bvec = MemoryMarshal.Cast<T, Vector<T>>(b[..n]);
        for (int i = 0; i < wvec.Length; i++)
        {
            var gi = l2 ? gvec[i] + wd * wvec[i] : gvec[i];
            var bi = first ? gi : bvec[i] * mu + keep * gi;
            bvec[i] = bi;
            wvec[i] += negLr * (nesterov ? gi + mu * bi : bi);
        }
        for (int i = n; i < length; i++)
        {
            T gi = l2 ? g[i] + wd * w[i] : g[i];
            T bi = first ? gi : b[i] * mu + keep * gi;
            b[i] = bi;
            w[i] += negLr * (nesterov ? gi + mu * bi : bi);
        }
    }
}
