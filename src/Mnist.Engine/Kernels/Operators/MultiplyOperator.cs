using System.Runtime.Intrinsics;
using Mnist.Engine.Kernels.Common;

namespace Mnist.Engine.Kernels.Operators;

/// <summary>a · b.</summary>
internal readonly struct MultiplyOperator : IBinaryOperator
{
    public static float Invoke(float a, float b) => a * b;
    public static Vector128<float> Invoke(Vector128<float> a, Vector128<float> b) => a * b;
    public static Vector256<float> Invoke(Vector256<float> a, Vector256<float> b) => a * b;
    public static Vector512<float> Invoke(Vector512<float> a, Vector512<float> b) => a * b;
}
