using System.Runtime.Intrinsics;
using Mnist.Engine.Kernels.Common;

namespace Mnist.Engine.Kernels.Operators;

/// <summary>a · b + c, rounded twice (not fused) so every vector width and the scalar path give the same bits.</summary>
internal readonly struct MultiplyAddOperator : ITernaryOperator
{
    public static float Invoke(float a, float b, float c) => (a * b) + c;
    public static Vector128<float> Invoke(Vector128<float> a, Vector128<float> b, Vector128<float> c) => (a * b) + c;
    public static Vector256<float> Invoke(Vector256<float> a, Vector256<float> b, Vector256<float> c) => (a * b) + c;
    public static Vector512<float> Invoke(Vector512<float> a, Vector512<float> b, Vector512<float> c) => (a * b) + c;
}
