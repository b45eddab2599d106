using System.Diagnostics.CodeAnalysis;

namespace Mnist.Engine.Kernels.Common;

/// <summary>Up-front argument validation shared by the kernels, so each kernel throws the same clear messages.</summary>
internal static class SpanChecks
{
    /// <summary>Throws unless <paramref name="actual"/> equals <paramref name="expected"/>.</summary>
    public static void RequireLength(int actual, int expected, string paramName, string what = "")
    {
        if (actual != expected)
            ThrowLength(actual, expected, paramName, what);
    }

    /// <summary>Throws unless both inputs have the same length.</summary>
    public static void RequireSameLength(int a, int b, string paramNameA, string paramNameB)
    {
        if (a != b)
            throw new ArgumentException($"'{paramNameA}' has {a} elements but '{paramNameB}' has {b}; they must be the same length.", paramNameB);
    }

    /// <summary>Throws unless <paramref name="value"/> ≥ <paramref name="minimum"/>.</summary>
    public static void RequireAtLeast(int value, int minimum, string paramName)
    {
        if (value < minimum)
            throw new ArgumentOutOfRangeException(paramName, value, $"'{paramName}' must be at least {minimum}.");
    }

    /// <summary>
    /// Throws when <paramref name="output"/> overlaps <paramref name="input"/> other than exactly (same start):
    /// in-place is fine, a shifted view would read values the kernel already overwrote.
    /// </summary>
    public static void RequireNoPartialOverlap<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> output, string inputName, string outputName)
    {
        if (input.Overlaps(output, out int offset) && offset != 0)
            throw new ArgumentException($"'{outputName}' partially overlaps '{inputName}' (offset {offset}); use the same span for in-place or disjoint spans.", outputName);
    }

    /// <summary>The product of non-negative dimensions, throwing instead of overflowing.</summary>
    public static int Product(int a, int b, int c = 1, int d = 1)
    {
        long p = (long)a * b * c * d;
        if (p > int.MaxValue)
            throw new ArgumentException($"Shape {a}x{b}x{c}x{d} has more than {int.MaxValue} elements.");
        return (int)p;
    }

    [DoesNotReturn]
    private static void ThrowLength(int actual, int expected, string paramName, string what) =>
        throw new ArgumentException(
            $"'{paramName}' has {actual} elements but {expected} are required{(what.Length > 0 ? $" ({what})" : "")}.", paramName);
}
