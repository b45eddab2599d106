using System.Runtime.Intrinsics;

namespace Mnist.Engine.Kernels.Common;

/// <summary>
/// y = f(x) element by element. Implemented by <c>readonly struct</c> operators so that
/// <see cref="UnaryDriver"/> is specialised per operator by the JIT (no virtual or delegate calls).
/// </summary>
internal interface IUnaryOperator
{
    static abstract float Invoke(float x);
    static abstract Vector128<float> Invoke(Vector128<float> x);
    static abstract Vector256<float> Invoke(Vector256<float> x);
    static abstract Vector512<float> Invoke(Vector512<float> x);
}
