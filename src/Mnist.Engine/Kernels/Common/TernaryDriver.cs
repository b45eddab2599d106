using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Mnist.Engine.Kernels.Common;

/// <summary>
/// The loop for every <see cref="ITernaryOperator"/> with a broadcast middle operand: y[i] = op(a[i], b, c[i])
/// (e.g. y = a·α + c). Same width order and tail scheme as <see cref="UnaryDriver"/>; <c>c</c> and
/// <c>y</c> may be the same span. Callers validate lengths.
/// </summary>
internal static class TernaryDriver
{
    public static void Invoke<TOp>(ReadOnlySpan<float> a, float b, ReadOnlySpan<float> c, Span<float> y) where TOp : struct, ITernaryOperator
    {
        ref float ar = ref MemoryMarshal.GetReference(a);
        ref float cr = ref MemoryMarshal.GetReference(c);
        ref float yr = ref MemoryMarshal.GetReference(y);
        nuint n = (nuint)a.Length, i = 0;

        if (Vector512.IsHardwareAccelerated)
        {
            var bv = Vector512.Create(b);
            for (; i + (nuint)Vector512<float>.Count <= n; i += (nuint)Vector512<float>.Count)
                TOp.Invoke(Vector512.LoadUnsafe(ref ar, i), bv, Vector512.LoadUnsafe(ref cr, i)).StoreUnsafe(ref yr, i);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var bv = Vector256.Create(b);
            for (; i + (nuint)Vector256<float>.Count <= n; i += (nuint)Vector256<float>.Count)
                TOp.Invoke(Vector256.LoadUnsafe(ref ar, i), bv, Vector256.LoadUnsafe(ref cr, i)).StoreUnsafe(ref yr, i);
        }
        if (Vector128.IsHardwareAccelerated)
        {
            var bv = Vector128.Create(b);
            for (; i + (nuint)Vector128<float>.Count <= n; i += (nuint)Vector128<float>.Count)
                TOp.Invoke(Vector128.LoadUnsafe(ref ar, i), bv, Vector128.LoadUnsafe(ref cr, i)).StoreUnsafe(ref yr, i);
        }
        for (; i < n; i++)
            Unsafe.Add(ref yr, i) = TOp.Invoke(Unsafe.Add(ref ar, i), b, Unsafe.Add(ref cr, i));
    }
}
