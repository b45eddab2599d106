using System.Globalization;
using System.Numerics;

namespace Mnist.Engine.Tests.TestSupport;

/// <summary>
/// A named comparison bound: |expected - actual| ≤ Absolute + Relative·max(|expected|, scale). The optional scale
/// lets reductions be judged against the magnitude of what was summed (Σ|terms|), not the possibly cancelled result.
/// NaN equals NaN and an infinity equals the same infinity; otherwise non-finite values must match exactly.
/// </summary>
public readonly record struct Tolerance(string Name, double Absolute, double Relative)
{
    /// <summary>Bounds for float32 results (SIMD kernel vs scalar reference, both in float).</summary>
    public static class Float32
    {
        /// <summary>Bit-for-bit up to ±0: for maps that round once per element (add, multiply, relu, axpy, max).</summary>
        public static Tolerance Exact { get; } = new("f32.exact", 0, 0);

        /// <summary>A couple of roundings apart (e.g. a·(1/s) vs a/s, sums in the same order but different grouping).</summary>
        public static Tolerance Arithmetic { get; } = new("f32.arithmetic", 1e-7, 1e-6);

        /// <summary>Vectorised e^x, tanh, sigmoid vs the scalar BCL: a few ulps, tanh absolute near 0.</summary>
        public static Tolerance Transcendental { get; } = new("f32.transcendental", 1e-6, 1e-5);

        /// <summary>Reductions summed in a different order, scaled by Σ|terms|.</summary>
        public static Tolerance Reduction { get; } = new("f32.reduction", 1e-6, 1e-5);
    }

    /// <summary>Bounds for float64 results (gradient checks, reference identities).</summary>
    public static class Float64
    {
        /// <summary>Bit-for-bit up to ±0.</summary>
        public static Tolerance Exact { get; } = new("f64.exact", 0, 0);

        /// <summary>A few roundings apart.</summary>
        public static Tolerance Arithmetic { get; } = new("f64.arithmetic", 1e-15, 1e-13);

        /// <summary>Reductions and transcendental functions computed differently.</summary>
        public static Tolerance Reduction { get; } = new("f64.reduction", 1e-13, 1e-11);

        /// <summary>Central finite differences against analytic gradients.</summary>
        public static Tolerance FiniteDifference { get; } = new("f64.finite-difference", 1e-7, 1e-5);
    }

    /// <summary>True when <paramref name="actual"/> is within this bound of <paramref name="expected"/>.</summary>
    public bool Allows(double expected, double actual, double scale = 0)
    {
        if (expected == actual || (double.IsNaN(expected) && double.IsNaN(actual)))
            return true;
        if (!double.IsFinite(expected) || !double.IsFinite(actual))
            return false;
        return Math.Abs(expected - actual) <= Absolute + Relative * Math.Max(Math.Abs(expected), scale);
    }

    /// <summary>Throws <see cref="ParityMismatchException"/> unless <paramref name="actual"/> is within bound.</summary>
    public void AssertClose(double expected, double actual, string what, double scale = 0)
    {
        if (!Allows(expected, actual, scale))
            throw new ParityMismatchException(string.Create(CultureInfo.InvariantCulture,
                $"{what} [{this}]: expected {expected:R}, actual {actual:R}, |diff| {Math.Abs(expected - actual):G4}"));
    }

    /// <summary>
    /// Throws <see cref="ParityMismatchException"/> unless the spans have equal length and every element is within bound;
    /// the message gives the number of mismatches, the first one (index, expected, actual) and the maximum difference.
    /// </summary>
    /// <param name="scales">Optional per-element scale (see the type remarks); empty for none.</param>
    public void AssertClose<T>(ReadOnlySpan<T> expected, ReadOnlySpan<T> actual, string what, ReadOnlySpan<double> scales = default)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (expected.Length != actual.Length)
            throw new ParityMismatchException($"{what}: expected {expected.Length} elements, actual {actual.Length}.");
        int failures = 0, first = -1, maxAt = -1;
        double maxDiff = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = double.CreateChecked(expected[i]), a = double.CreateChecked(actual[i]);
            double diff = Math.Abs(e - a);
            if (diff > maxDiff || (double.IsNaN(diff) && !double.IsNaN(maxDiff) && !(double.IsNaN(e) && double.IsNaN(a))))
            {
                maxDiff = diff;
                maxAt = i;
            }
            if (!Allows(e, a, scales.IsEmpty ? 0 : scales[i]))
            {
                failures++;
                if (first < 0)
                    first = i;
            }
        }
        if (failures > 0)
            throw new ParityMismatchException(string.Create(CultureInfo.InvariantCulture,
                $"{what} [{this}]: {failures} of {expected.Length} elements differ; first at index {first}: " +
                $"expected {double.CreateChecked(expected[first]):R}, actual {double.CreateChecked(actual[first]):R}; " +
                $"max |diff| {maxDiff:G4} at index {maxAt}."));
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Name}: abs {Absolute:G3} + rel {Relative:G3}");
}
