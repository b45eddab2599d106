namespace Mnist.Engine.Optim;

/// <summary>Constructor checks shared by optimizers and schedules; each throws naming the offending parameter.</summary>
internal static class HyperParameter
{
    /// <summary>Requires a finite value ≥ 0.</summary>
    public static double NonNegative(double value, string name)
    {
        if (!double.IsFinite(value) || value < 0)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite value >= 0.");
        return value;
    }

    /// <summary>Requires a finite value &gt; 0.</summary>
    public static double Positive(double value, string name)
    {
        if (!double.IsFinite(value) || value <= 0)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite value > 0.");
        return value;
    }

    /// <summary>Requires 0 ≤ value &lt; 1 (decay rates such as Adam's betas).</summary>
    public static double UnitHalfOpen(double value, string name)
    {
        if (!(value >= 0 && value < 1))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be in [0, 1).");
        return value;
    }

    /// <summary>Requires 0 ≤ value ≤ 1.</summary>
    public static double UnitClosed(double value, string name)
    {
        if (!(value >= 0 && value <= 1))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be in [0, 1].");
        return value;
    }
}
