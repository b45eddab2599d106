using System.Runtime.Intrinsics;
using Mnist.Engine.Kernels.Common;

namespace Mnist.Engine.Kernels.Operators;

/// <summary>dy where the forward output y is > 0, else 0 (y NaN → 0): a = y, b = dy.</summary>
internal readonly struct ReluBackwardOperator : IBinaryOperator
{
    public static float Invoke(float a, float b) => a > 0f ? b : 0f;
    public static Vector128<float> Invoke(Vector128<float> a, Vector128<float> b) => b & Vector128.GreaterThan(a, Vector128<float>.Zero);
    public static Vector256<float> Invoke(Vector256<float> a, Vector256<float> b) => b & Vector256.GreaterThan(a, Vector256<float>.Zero);
    public static Vector512<float> Invoke(Vector512<float> a, Vector512<float> b) => b & Vector512.GreaterThan(a, Vector512<float>.Zero);
}
