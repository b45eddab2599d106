using System.Runtime.Intrinsics;
using Mnist.Engine.Kernels.Common;

namespace Mnist.Engine.Kernels.Operators;

/// <summary>x unchanged: the transform of plain reductions (Σx, max x).</summary>
internal readonly struct IdentityOperator : IUnaryOperator
{
    public static float Invoke(float x) => x;
    public static Vector128<float> Invoke(Vector128<float> x) => x;
    public static Vector256<float> Invoke(Vector256<float> x) => x;
    public static Vector512<float> Invoke(Vector512<float> x) => x;
}
