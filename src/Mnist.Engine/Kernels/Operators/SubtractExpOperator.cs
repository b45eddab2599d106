using System.Runtime.Intrinsics;
using Mnist.Engine.Kernels.Common;

namespace Mnist.Engine.Kernels.Operators;

/// <summary>e^(a - b): softmax numerators with b the row maximum, so the exponent is ≤ 0 and cannot overflow.</summary>
internal readonly struct SubtractExpOperator : IBinaryOperator
{
    public static float Invoke(float a, float b) => MathF.Exp(a - b);
    public static Vector128<float> Invoke(Vector128<float> a, Vector128<float> b) => Vector128.Exp(a - b);
    public static Vector256<float> Invoke(Vector256<float> a, Vector256<float> b) => Vector256.Exp(a - b);
    public static Vector512<float> Invoke(Vector512<float> a, Vector512<float> b) => Vector512.Exp(a - b);
}
