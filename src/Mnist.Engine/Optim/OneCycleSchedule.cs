namespace Mnist.Engine.Optim;

/// <summary>
/// The 1cycle policy (Smith &amp; Topin, https://arxiv.org/abs/1708.07120) with cosine annealing, as PyTorch's
/// <c>OneCycleLR</c> (two phases; https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.OneCycleLR.html),
/// for the learning rate only: no recipe cycles momentum or Adam's β1 (PyTorch's <c>cycle_momentum=False</c>).
/// </summary>
/// <remarks>
/// With lr₀ = maxLr / divFactor, lr_min = lr₀ / finalDivFactor, e₁ = pctStart·N − 1 and e₂ = N − 1 (N = totalSteps):
/// <code>
/// step ≤ e₁:  lr = cos(lr₀ → maxLr,   step / e₁)
/// else:       lr = cos(maxLr → lr_min, (step − e₁)/(e₂ − e₁))
/// cos(a → b, p) = b + (a − b)/2 · (1 + cos(π·p))
/// </code>
/// As in PyTorch, step N is still computed (the curve continued) and steps past N throw.
/// </remarks>
public sealed class OneCycleSchedule : ILearningRateSchedule
{
    private readonly double _end1, _end2;

    /// <summary>Creates the schedule.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A rate or factor is not positive and finite, totalSteps &lt; 1, pctStart is
    /// outside [0, 1).</exception>
    /// <exception cref="ArgumentException">pctStart·totalSteps = 1, which leaves the warm-up phase empty (PyTorch divides by zero there).</exception>
    public OneCycleSchedule(double maxLearningRate, long totalSteps, double pctStart = 0.3, double divFactor = 25,
        double finalDivFactor = 1e4)
    {
        MaxLearningRate = HyperParameter.Positive(maxLearningRate, nameof(maxLearningRate));
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 1);
        TotalSteps = totalSteps;
        PctStart = HyperParameter.UnitHalfOpen(pctStart, nameof(pctStart));
        DivFactor = HyperParameter.Positive(divFactor, nameof(divFactor));
        FinalDivFactor = HyperParameter.Positive(finalDivFactor, nameof(finalDivFactor));
        InitialLearningRate = maxLearningRate / divFactor;
        MinLearningRate = InitialLearningRate / finalDivFactor;
        // PyTorch's phase ends, in its arithmetic: pct_start·total − 1 (not pct_start·(total − 1)).
        _end1 = pctStart * totalSteps - 1;
        _end2 = totalSteps - 1;
        if (_end1 == 0)
            throw new ArgumentException("pctStart * totalSteps must not be 1: the warm-up phase would be empty.", nameof(pctStart));
    }

    /// <summary>Peak learning rate.</summary>
    public double MaxLearningRate { get; }

    /// <summary>Steps in the cycle.</summary>
    public long TotalSteps { get; }

    /// <summary>Fraction of the cycle spent increasing the rate.</summary>
    public double PctStart { get; }

    /// <summary>maxLr / initial lr.</summary>
    public double DivFactor { get; }

    /// <summary>initial lr / final lr.</summary>
    public double FinalDivFactor { get; }

    /// <summary>Learning rate at step 0: maxLr / divFactor.</summary>
    public double InitialLearningRate { get; }

    /// <summary>Learning rate at the last step: initial lr / finalDivFactor.</summary>
    public double MinLearningRate { get; }

    /// <inheritdoc/>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="step"/> is negative or greater than <see cref="TotalSteps"/>.</exception>
    public double LearningRateAt(long step) => At(step, InitialLearningRate, MaxLearningRate, MinLearningRate);

    private double At(long step, double start, double peak, double end)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(step, TotalSteps);
        return step <= _end1
            ? Anneal(start, peak, step / _end1)
            : Anneal(peak, end, (step - _end1) / (_end2 - _end1));
    }

    private static double Anneal(double from, double to, double pct) => to + (from - to) / 2.0 * (Math.Cos(Math.PI * pct) + 1);
}
