using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Mnist.Engine.Kernels.Common;

/// <summary>
/// The loops for every <see cref="IBinaryOperator"/>: span⊕span and span⊕scalar, widest accelerated vector
/// first, then narrower vectors, then scalar for the last few elements (same tail scheme as <see cref="UnaryDriver"/>).
/// Callers validate lengths: <c>b</c> and <c>y</c> at least as long as <c>a</c>.
/// </summary>
internal static class BinaryDriver
{
    /// <summary>y[i] = op(a[i], b[i]).</summary>
    public static void Invoke<TOp>(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y) where TOp : struct, IBinaryOperator
    {
        ref float ar = ref MemoryMarshal.GetReference(a);
        ref float br = ref MemoryMarshal.GetReference(b);
        ref float yr = ref MemoryMarshal.GetReference(y);
        nuint n = (nuint)a.Length, i = 0;

        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + (nuint)Vector512<float>.Count <= n; i += (nuint)Vector512<float>.Count)
                TOp.Invoke(Vector512.LoadUnsafe(ref ar, i), Vector512.LoadUnsafe(ref br, i)).StoreUnsafe(ref yr, i);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + (nuint)Vector256<float>.Count <= n; i += (nuint)Vector256<float>.Count)
                TOp.Invoke(Vector256.LoadUnsafe(ref ar, i), Vector256.LoadUnsafe(ref br, i)).StoreUnsafe(ref yr, i);
        }
        if (Vector128.IsHardwareAccelerated)
        {
            for (; i + (nuint)Vector128<float>.Count <= n; i += (nuint)Vector128<float>.Count)
                TOp.Invoke(Vector128.LoadUnsafe(ref ar, i), Vector128.LoadUnsafe(ref br, i)).StoreUnsafe(ref yr, i);
        }
        for (; i < n; i++)
            Unsafe.Add(ref yr, i) = TOp.Invoke(Unsafe.Add(ref ar, i), Unsafe.Add(ref br, i));
    }

    /// <summary>y[i] = op(a[i], b): the scalar is broadcast once, outside the loops.</summary>
    public static void Invoke<TOp>(ReadOnlySpan<float> a, float b, Span<float> y) where TOp : struct, IBinaryOperator
    {
        ref float ar = ref MemoryMarshal.GetReference(a);
        ref float yr = ref MemoryMarshal.GetReference(y);
        nuint n = (nuint)a.Length, i = 0;

        if (Vector512.IsHardwareAccelerated)
        {
            var bv = Vector512.Create(b);
            for (; i + (nuint)Vector512<float>.Count <= n; i += (nuint)Vector512<float>.Count)
                TOp.Invoke(Vector512.LoadUnsafe(ref ar, i), bv).StoreUnsafe(ref yr, i);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var bv = Vector256.Create(b);
            for (; i + (nuint)Vector256<float>.Count <= n; i += (nuint)Vector256<float>.Count)
                TOp.Invoke(Vector256.LoadUnsafe(ref ar, i), bv).StoreUnsafe(ref yr, i);
        }
        if (Vector128.IsHardwareAccelerated)
        {
            var bv = Vector128.Create(b);
            for (; i + (nuint)Vector128<float>.Count <= n; i += (nuint)Vector128<float>.Count)
                TOp.Invoke(Vector128.LoadUnsafe(ref ar, i), bv).StoreUnsafe(ref yr, i);
        }
        for (; i < n; i++)
            Unsafe.Add(ref yr, i) = TOp.Invoke(Unsafe.Add(ref ar, i), b);
    }
}
