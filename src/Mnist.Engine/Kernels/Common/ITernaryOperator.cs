using System.Runtime.Intrinsics;

namespace Mnist.Engine.Kernels.Common;

/// <summary>y = f(a, b, c) element by element; see <see cref="TernaryDriver"/>.</summary>
internal interface ITernaryOperator
{
    static abstract float Invoke(float a, float b, float c);
    static abstract Vector128<float> Invoke(Vector128<float> a, Vector128<float> b, Vector128<float> c);
    static abstract Vector256<float> Invoke(Vector256<float> a, Vector256<float> b, Vector256<float> c);
    static abstract Vector512<float> Invoke(Vector512<float> a, Vector512<float> b, Vector512<float> c);
}
