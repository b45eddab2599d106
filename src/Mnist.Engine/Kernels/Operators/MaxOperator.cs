using System.Runtime.Intrinsics;
using Mnist.Engine.Kernels.Common;

namespace Mnist.Engine.Kernels.Operators;

/// <summary>max(a, b) with NaN propagating and +0 > -0 (IEEE 754-2019 maximum, like float.Max and VectorNNN.Max).</summary>
internal readonly struct MaxOperator : IAggregationOperator
{
    public static float Identity => float.NegativeInfinity;

    public static float Invoke(float a, float b) => float.Max(a, b);
    public static Vector128<float> Invoke(Vector128<float> a, Vector128<float> b) => Vector128.Max(a, b);
    public static Vector256<float> Invoke(Vector256<float> a, Vector256<float> b) => Vector256.Max(a, b);
    public static Vector512<float> Invoke(Vector512<float> a, Vector512<float> b) => Vector512.Max(a, b);
}
