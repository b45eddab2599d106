using System.Runtime.Intrinsics;
using Mnist.Engine.Kernels.Common;

namespace Mnist.Engine.Kernels.Operators;

/// <summary>
/// tanh x. Vectors use tanh|x| = (1 - e)/(1 + e) with e = e^(-2|x|) ≤ 1, so nothing overflows for large |x|, and the
/// sign of x is copied back. Below |x| = <see cref="SmallLimit"/> that form cancels (1 - e ≈ 2|x| loses digits), so
/// the odd Taylor series x - x³/3 + 2x⁵/15 - 17x⁷/315 is used instead (next term &lt; 3e-11 relative there).
/// NaN propagates, tanh(±0) = ±0.
/// </summary>
internal readonly struct TanhOperator : IUnaryOperator
{
    private const float SmallLimit = 0.1f;
    private const float C3 = -1f / 3f, C5 = 2f / 15f, C7 = -17f / 315f;

    public static float Invoke(float x) => MathF.Tanh(x);

    public static Vector128<float> Invoke(Vector128<float> x)
    {
        var ax = Vector128.Abs(x);
        var e = Vector128.Exp(ax * -2f);
        var large = (Vector128<float>.One - e) / (Vector128<float>.One + e);
        var x2 = ax * ax;
        var small = ax + (ax * x2 * (Vector128.Create(C3) + (x2 * (Vector128.Create(C5) + (x2 * C7)))));
        return Vector128.CopySign(Vector128.ConditionalSelect(Vector128.LessThan(ax, Vector128.Create(SmallLimit)), small, large), x);
    }

    public static Vector256<float> Invoke(Vector256<float> x)
    {
        var ax = Vector256.Abs(x);
        var e = Vector256.Exp(ax * -2f);
        var large = (Vector256<float>.One - e) / (Vector256<float>.One + e);
        var x2 = ax * ax;
        var small = ax + (ax * x2 * (Vector256.Create(C3) + (x2 * (Vector256.Create(C5) + (x2 * C7)))));
        return Vector256.CopySign(Vector256.ConditionalSelect(Vector256.LessThan(ax, Vector256.Create(SmallLimit)), small, large), x);
    }

    public static Vector512<float> Invoke(Vector512<float> x)
    {
        var ax = Vector512.Abs(x);
        var e = Vector512.Exp(ax * -2f);
        var large = (Vector512<float>.One - e) / (Vector512<float>.One + e);
        var x2 = ax * ax;
        var small = ax + (ax * x2 * (Vector512.Create(C3) + (x2 * (Vector512.Create(C5) + (x2 * C7)))));
        return Vector512.CopySign(Vector512.ConditionalSelect(Vector512.LessThan(ax, Vector512.Create(SmallLimit)), small, large), x);
    }
}
