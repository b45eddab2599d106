using System.Numerics;
using System.Runtime.InteropServices;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Optim;

/// <summary>
/// RMSprop (Hinton, Lecture 6e, https://www.cs.toronto.edu/~tijmen/csc321/slides/lecture_slides_lec6.pdf) with optional
/// momentum and centering, reproducing one of three libraries (<see cref="RmsPropSemantics"/>). All start the
/// accumulators at 0.
/// </summary>
/// <remarks>
/// Per scalar, ρ = rho, μ = momentum, λ = <see cref="Optimizer{T}.WeightDecay"/> (0 where decay does not apply),
/// d = v − ḡ² when centered, else d = v.
/// <para><b>Keras</b> (Keras 3 <c>keras/src/optimizers/rmsprop.py</c> <c>update_step</c>; weight decay from the base optimizer,
/// applied before the update):</para>
/// <code>
/// w ← w − (w·λ)·lr
/// v ← ρ·v + (1 − ρ)·g²
/// ḡ ← ρ·ḡ + (1 − ρ)·g                  (centered)
/// Δ ← lr·g / √(d + ε)                  ε INSIDE the root
/// μ &gt; 0: b ← μ·b + Δ;  w ← w − b       lr is inside b
/// μ = 0: w ← w − Δ
/// </code>
/// <para><b>TfKerasLegacy</b> (tf.keras OptimizerV2 <c>rmsprop.py</c> <c>_resource_apply_dense</c>, TF 2.0–2.10):</para>
/// <code>
/// μ = 0: v ← ρ·v + (1 − ρ)·g²;  ḡ ← ρ·ḡ + (1 − ρ)·g (centered);  w ← w − lr·g / (√d + ε)     ε OUTSIDE
/// μ &gt; 0: TensorFlow's ApplyRMSProp / ApplyCenteredRMSProp kernels:
///        v ← v + (g² − v)·(1 − ρ);  ḡ ← ḡ + (g − ḡ)·(1 − ρ);  b ← μ·b + g·lr / √(d + ε);  w ← w − b
/// </code>
/// <para><b>PyTorch</b> (<c>torch.optim.RMSprop</c>, alpha = ρ, https://pytorch.org/docs/stable/generated/torch.optim.RMSprop.html):</para>
/// <code>
/// g ← g + λ·w
/// v ← ρ·v + (1 − ρ)·g²
/// ḡ ← lerp(ḡ, g, 1 − ρ)                (centered)
/// a ← √d + ε                           ε OUTSIDE the root
/// μ &gt; 0: b ← μ·b + g/a;  w ← w − lr·b  lr is outside b
/// μ = 0: w ← w − lr·g/a
/// </code>
/// With μ = 0 and no centering, Keras and PyTorch differ only in ε's place: lr·g/√(v+ε) against lr·g/(√v+ε);
/// with the defaults (ε = 1e-7) this matters only while v is tiny, i.e. for near-zero gradients in the first steps.
/// State: "square_avg" (v), "momentum_buffer" (b, when μ &gt; 0), "grad_avg" (ḡ, when centered).
/// </remarks>
public sealed class RmsProp<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _v;
    private readonly T[]? _b, _gAvg;

    /// <summary>Creates the optimizer. Defaults are Keras's (PyTorch's own defaults are alpha 0.99, eps 1e-8).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A hyper-parameter is negative or not finite, rho is outside [0, 1],
    /// or <paramref name="semantics"/> is not defined.</exception>
    /// <exception cref="ArgumentException"><paramref name="weightDecay"/> is not 0 with <see cref="RmsPropSemantics.TfKerasLegacy"/>, which has none.</exception>
    public RmsProp(ParameterSet<T> parameters, double learningRate = 1e-3, double rho = 0.9, double epsilon = 1e-7,
        double momentum = 0, bool centered = false, double weightDecay = 0, RmsPropSemantics semantics = RmsPropSemantics.Keras)
        : base(parameters, learningRate, weightDecay)
    {
        Rho = HyperParameter.UnitClosed(rho, nameof(rho));
        Epsilon = HyperParameter.NonNegative(epsilon, nameof(epsilon));
        Momentum = HyperParameter.NonNegative(momentum, nameof(momentum));
        if (!Enum.IsDefined(semantics))
            throw new ArgumentOutOfRangeException(nameof(semantics), semantics, "Unknown RMSprop semantics.");
        if (semantics == RmsPropSemantics.TfKerasLegacy && weightDecay != 0)
            throw new ArgumentException("Legacy tf.keras RMSprop has no weight decay.", nameof(weightDecay));
        Centered = centered;
        Semantics = semantics;
        _v = AddState("square_avg");
        if (momentum > 0) _b = AddState("momentum_buffer");
        if (centered) _gAvg = AddState("grad_avg");
    }

    /// <summary>Decay ρ of the moving averages (PyTorch's alpha).</summary>
    public double Rho { get; }

    /// <summary>ε, inside or outside the square root depending on <see cref="Semantics"/>.</summary>
    public double Epsilon { get; }

    /// <summary>Momentum μ (0 for none).</summary>
    public double Momentum { get; }

    /// <summary>Whether the second moment is centered by the squared mean gradient.</summary>
    public bool Centered { get; }

    /// <summary>Which library's update is reproduced.</summary>
    public RmsPropSemantics Semantics { get; }

    /// <inheritdoc/>
    protected override void Update(int start, int length, bool decay)
    {
        var s = new Slices(
            Parameters.Values.AsSpan(start, length), Parameters.Grads.AsSpan(start, length), _v.AsSpan(start, length),
            _b is null ? default : _b.AsSpan(start, length), _gAvg is null ? default : _gAvg.AsSpan(start, length),
            VectorizedLength(length));
        bool useDecay = decay && WeightDecay != 0;
        switch (Semantics)
        {
            case RmsPropSemantics.Keras: UpdateKeras(s, useDecay); break;
            case RmsPropSemantics.TfKerasLegacy when Momentum > 0: UpdateTfKernel(s); break;
            case RmsPropSemantics.TfKerasLegacy: UpdateTfLegacyNoMomentum(s); break;
            default: UpdatePyTorch(s, useDecay); break;
        }
    }

    private readonly ref struct Slices(Span<T> w, ReadOnlySpan<T> g, Span<T> v, Span<T> b, Span<T> gAvg, int vectorized)
    {
        public readonly Span<T> W = w, V = v, B = b, GAvg = gAvg;
        public readonly ReadOnlySpan<T> G = g;
        public readonly int Vectorized = vectorized;

        public Span<Vector<T>> Vec(Span<T> x) => x.IsEmpty ? default : MemoryMarshal.Cast<T, Vector<T>>(x[..Vectorized]);
        public ReadOnlySpan<Vector<T>> Vec(ReadOnlySpan<T> x) => MemoryMarshal.Cast<T, Vector<T>>(x[..Vectorized]);
    }

    private void UpdateKeras(in Slices s, bool decay)
    {
        T lr = Scalar(LearningRate), wd = Scalar(WeightDecay), rho = Scalar(Rho), oneMinusRho = Scalar(1 - Rho), mu = Scalar(Momentum);
        var epsV = new Vector<T>(Scalar(Epsilon));
        T eps = Scalar(Epsilon);
        bool centered = Centered, momentum = Momentum > 0;

        var w = s.Vec(s.W); var g = s.Vec(s.G); var v = s.Vec(s.V); var b = s.Vec(s.B); var ga = s.Vec(s.GAvg);
        for (int i = 0; i < w.Length; i++)
        {
            var wi = decay ? w[i] - w[i] * wd * lr : w[i];
            var gi = g[i];
            var vi = rho * v[i] + oneMinusRho * (gi * gi);
            v[i] = vi;
            var d = vi;
            if (centered)
            {
                var ai = rho * ga[i] + oneMinusRho * gi;
                ga[i] = ai;
                d = vi - ai * ai;
            }
            var delta = lr * gi / Vector.SquareRoot(d + epsV);
            if (momentum)
            {
                var bi = mu * b[i] + delta;
                b[i] = bi;
                w[i] = wi - bi;
            }
            else w[i] = wi - delta;
        }
        for (int i = s.Vectorized; i < s.W.Length; i++)
        {
            T wi = decay ? s.W[i] - s.W[i] * wd * lr : s.W[i];
            T gi = s.G[i];
            T vi = rho * s.V[i] + oneMinusRho * (gi * gi);
            s.V[i] = vi;
            T d = vi;
            if (centered)
            {
                T ai = rho * s.GAvg[i] + oneMinusRho * gi;
                s.GAvg[i] = ai;
                d = vi - ai * ai;
            }
            T delta = lr * gi / T.Sqrt(d + eps);
            if (momentum)
            {
                T bi = mu * s.B[i] + delta;
                s.B[i] = bi;
                s.W[i] = wi - bi;
            }
            else s.W[i] = wi - delta;
        }
    }

    private void UpdateTfLegacyNoMomentum(in Slices s)
    {
        // TF computes 1 − ρ in the variable's precision.
        T lr = Scalar(LearningRate), rho = Scalar(Rho), oneMinusRho = T.One - rho;
        var epsV = new Vector<T>(Scalar(Epsilon));
        T eps = Scalar(Epsilon);
        bool centered = Centered;

        var w = s.Vec(s.W); var g = s.Vec(s.G); var v = s.Vec(s.V); var ga = s.Vec(s.GAvg);
        for (int i = 0; i < w.Length; i++)
        {
            var gi = g[i];
            var vi = rho * v[i] + oneMinusRho * (gi * gi);
            v[i] = vi;
            var d = vi;
            if (centered)
            {
                var ai = rho * ga[i] + oneMinusRho * gi;
                ga[i] = ai;
                d = vi - ai * ai;
            }
            w[i] -= lr * gi / (Vector.SquareRoot(d) + epsV);
        }
        for (int i = s.Vectorized; i < s.W.Length; i++)
        {
            T gi = s.G[i];
            T vi = rho * s.V[i] + oneMinusRho * (gi * gi);
            s.V[i] = vi;
            T d = vi;
            if (centered)
            {
                T ai = rho * s.GAvg[i] + oneMinusRho * gi;
                s.GAvg[i] = ai;
                d = vi - ai * ai;
            }
            s.W[i] -= lr * gi / (T.Sqrt(d) + eps);
        }
    }

    private void UpdateTfKernel(in Slices s)
    {
        T lr = Scalar(LearningRate), oneMinusRho = T.One - Scalar(Rho), mu = Scalar(Momentum);
        var epsV = new Vector<T>(Scalar(Epsilon));
        T eps = Scalar(Epsilon);
        bool centered = Centered;

        var w = s.Vec(s.W); var g = s.Vec(s.G); var v = s.Vec(s.V); var b = s.Vec(s.B); var ga = s.Vec(s.GAvg);
        for (int i = 0; i < w.Length; i++)
        {
            var gi = g[i];
            var vi = v[i] + (gi * gi - v[i]) * oneMinusRho;
            v[i] = vi;
            var d = vi;
            if (centered)
            {
                var ai = ga[i] + (gi - ga[i]) * oneMinusRho;
                ga[i] = ai;
                d = vi - ai * ai;
            }
            var bi = b[i] * mu + gi * lr / Vector.SquareRoot(d + epsV);
            b[i] = bi;
            w[i] -= bi;
        }
        for (int i = s.Vectorized; i < s.W.Length; i++)
        {
            T gi = s.G[i];
            T vi = s.V[i] + (gi * gi - s.V[i]) * oneMinusRho;
            s.V[i] = vi;
            T d = vi;
            if (centered)
            {
                T ai = s.GAvg[i] + (gi - s.GAvg[i]) * oneMinusRho;
                s.GAvg[i] = ai;
                d = vi - ai * ai;
            }
            T bi = s.B[i] * mu + gi * lr / T.Sqrt(d + eps);
            s.B[i] = bi;
            s.W[i] -= bi;
        }
    }

    private void UpdatePyTorch(in Slices s, bool decay)
    {
        T negLr = Scalar(-LearningRate), wd = Scalar(WeightDecay), rho = Scalar(Rho), oneMinusRho = Scalar(1 - Rho), mu = Scalar(Momentum);
        var epsV = new Vector<T>(Scalar(Epsilon));
        T eps = Scalar(Epsilon);
        // PyTorch's lerp(a, b, c): a + c·(b − a) for c < 0.5, else b − (b − a)·(1 − c).
        bool lowWeight = oneMinusRho < Scalar(0.5);
        T oneMinusC = T.One - oneMinusRho;
        bool centered = Centered, momentum = Momentum > 0;

        var w = s.Vec(s.W); var g = s.Vec(s.G); var v = s.Vec(s.V); var b = s.Vec(s.B); var ga = s.Vec(s.GAvg);
        for (int i = 0; i < w.Length; i++)
        {
            var gi = decay ? g[i] + wd * w[i] : g[i];
            var vi = v[i] * rho + oneMinusRho * gi * gi;
            v[i] = vi;
            var d = vi;
            if (centered)
            {
                var ai = lowWeight ? ga[i] + oneMinusRho * (gi - ga[i]) : gi - (gi - ga[i]) * oneMinusC;
                ga[i] = ai;
                d = vi - ai * ai;
            }
            var q = momentum ? b[i] = b[i] * mu + gi / (Vector.SquareRoot(d) + epsV) : gi / (Vector.SquareRoot(d) + epsV);
            w[i] += negLr * q;
        }
        for (int i = s.Vectorized; i < s.W.Length; i++)
        {
            T gi = decay ? s.G[i] + wd * s.W[i] : s.G[i];
            T vi = s.V[i] * rho + oneMinusRho * gi * gi;
            s.V[i] = vi;
            T d = vi;
            if (centered)
            {
                T ai = lowWeight ? s.GAvg[i] + oneMinusRho * (gi - s.GAvg[i]) : gi - (gi - s.GAvg[i]) * oneMinusC;
                s.GAvg[i] = ai;
                d = vi - ai * ai;
            }
            T q = momentum ? s.B[i] = s.B[i] * mu + gi / (T.Sqrt(d) + eps) : gi / (T.Sqrt(d) + eps);
            s.W[i] += negLr * q;
        }
    }
}
