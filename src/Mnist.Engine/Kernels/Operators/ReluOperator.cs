using System.Runtime.Intrinsics;
using Mnist.Engine.Kernels.Common;

namespace Mnist.Engine.Kernels.Operators;

/// <summary>max(x, 0), NaN propagates: keeps x unless x ≤ 0 (false for NaN), so -0 becomes +0 and NaN stays NaN.</summary>
internal readonly struct ReluOperator : IUnaryOperator
{
    public static float Invoke(float x) => x <= 0f ? 0f : x;
    public static Vector128<float> Invoke(Vector128<float> x) => Vector128.AndNot(x, Vector128.LessThanOrEqual(x, Vector128<float>.Zero));
    public static Vector256<float> Invoke(Vector256<float> x) => Vector256.AndNot(x, Vector256.LessThanOrEqual(x, Vector256<float>.Zero));
    public static Vector512<float> Invoke(Vector512<float> x) => Vector512.AndNot(x, Vector512.LessThanOrEqual(x, Vector512<float>.Zero));
}
