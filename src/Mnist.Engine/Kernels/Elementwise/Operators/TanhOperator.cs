using System.Runtime.Intrinsics;
using Mnist.Engine.Kernels.Common;

namespace Mnist.Engine.Kernels.Operators;

/// <summary>
/// tanh x. Vectors use tanh x = sign(x)·(1 - e)/(1 + e) with e = e^(-2|x|) ≤ 1, so nothing overflows for large |x|;
/// near 0 the result has an absolute (not relative) error of about one float ulp of 1. NaN propagates, tanh(-0) = -0.
/// </summary>
internal readonly struct TanhOperator : IUnaryOperator
{
    public static float Invoke(float x) => MathF.Tanh(x);

    public static Vector128<float> Invoke(Vector128<float> x)
    {
        var e = Vector128.Exp(Vector128.Abs(x) * -2f);
        return Vector128.CopySign((Vector128<float>.One - e) / (Vector128<float>.One + e), x);
    }

    public static Vector256<float> Invoke(Vector256<float> x)
    {
        var e = Vector256.Exp(Vector256.Abs(x) * -2f);
        return Vector256.CopySign((Vector256<float>.One - e) / (Vector256<float>.One + e), x);
    }

    public static Vector512<float> Invoke(Vector512<float> x)
    {
        var e = Vector512.Exp(Vector512.Abs(x) * -2f);
        return Vector512.CopySign((Vector512<float>.One - e) / (Vector512<float>.One + e), x);
    }
}
