using System.Runtime.Intrinsics;

namespace Mnist.Engine.Kernels.Common;

/// <summary>y = f(a, b) element by element; see <see cref="BinaryDriver"/>.</summary>
internal interface IBinaryOperator
{
    static abstract float Invoke(float a, float b);
    static abstract Vector128<float> Invoke(Vector128<float> a, Vector128<float> b);
    static abstract Vector256<float> Invoke(Vector256<float> a, Vector256<float> b);
    static abstract Vector512<float> Invoke(Vector512<float> a, Vector512<float> b);
}
