using System.Runtime.Intrinsics;
using Mnist.Engine.Kernels.Common;

namespace Mnist.Engine.Kernels.Operators;

/// <summary>1 / (1 + e^-x); saturates to 0 and 1 without overflow trouble (e^-x = ∞ gives 0), NaN propagates.</summary>
internal readonly struct SigmoidOperator : IUnaryOperator
{
    public static float Invoke(float x) => 1f / (1f + MathF.Exp(-x));
    public static Vector128<float> Invoke(Vector128<float> x) => Vector128<float>.One / (Vector128<float>.One + Vector128.Exp(-x));
    public static Vector256<float> Invoke(Vector256<float> x) => Vector256<float>.One / (Vector256<float>.One + Vector256.Exp(-x));
    public static Vector512<float> Invoke(Vector512<float> x) => Vector512<float>.One / (Vector512<float>.One + Vector512.Exp(-x));
}
