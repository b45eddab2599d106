using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Mnist.Engine.Kernels.Common;

/// <summary>
/// Reductions: aggregate(transform(x[i])) or aggregate(transform(a[i], b[i])), e.g. Σx², Σa·b, max x.
/// One vector accumulator of the widest accelerated width; it is folded in halves into the next narrower
/// width to consume the tail, then its lanes are combined in a fixed order. Single-threaded, so the result
/// depends only on the input and the vector width, never on timing or thread count.
/// </summary>
internal static class AggregationDriver
{
    /// <summary>aggregate over i of transform(x[i]); the identity for an empty span.</summary>
    public static float Invoke<TTransform, TAggregate>(ReadOnlySpan<float> x)
        where TTransform : struct, IUnaryOperator
        where TAggregate : struct, IAggregationOperator
    {
        ref float xr = ref MemoryMarshal.GetReference(x);
        nuint n = (nuint)x.Length, i = 0;
        var acc128 = Vector128.Create(TAggregate.Identity);

        if (Vector512.IsHardwareAccelerated || Vector256.IsHardwareAccelerated)
        {
            var acc256 = Vector256.Create(TAggregate.Identity);
            if (Vector512.IsHardwareAccelerated)
            {
                var acc512 = Vector512.Create(TAggregate.Identity);
                for (; i + (nuint)Vector512<float>.Count <= n; i += (nuint)Vector512<float>.Count)
                    acc512 = TAggregate.Invoke(acc512, TTransform.Invoke(Vector512.LoadUnsafe(ref xr, i)));
                // Fold 512 → 256 so the narrower loop continues from the same partial result.
                acc256 = TAggregate.Invoke(acc512.GetLower(), acc512.GetUpper());
            }
            for (; i + (nuint)Vector256<float>.Count <= n; i += (nuint)Vector256<float>.Count)
                acc256 = TAggregate.Invoke(acc256, TTransform.Invoke(Vector256.LoadUnsafe(ref xr, i)));
            acc128 = TAggregate.Invoke(acc256.GetLower(), acc256.GetUpper());
        }
        if (Vector128.IsHardwareAccelerated)
        {
            for (; i + (nuint)Vector128<float>.Count <= n; i += (nuint)Vector128<float>.Count)
                acc128 = TAggregate.Invoke(acc128, TTransform.Invoke(Vector128.LoadUnsafe(ref xr, i)));
        }
        float result = Horizontal<TAggregate>(acc128);
        for (; i < n; i++)
            result = TAggregate.Invoke(result, TTransform.Invoke(Unsafe.Add(ref xr, i)));
        return result;
    }

    /// <summary>aggregate over i of transform(a[i], b[i]); <paramref name="b"/> at least as long as <paramref name="a"/>.</summary>
    public static float Invoke<TTransform, TAggregate>(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
        where TTransform : struct, IBinaryOperator
        where TAggregate : struct, IAggregationOperator
    {
        ref float ar = ref MemoryMarshal.GetReference(a);
        ref float br = ref MemoryMarshal.GetReference(b);
        nuint n = (nuint)a.Length, i = 0;
        var acc128 = Vector128.Create(TAggregate.Identity);

        if (Vector512.IsHardwareAccelerated || Vector256.IsHardwareAccelerated)
        {
            var acc256 = Vector256.Create(TAggregate.Identity);
            if (Vector512.IsHardwareAccelerated)
            {
                var acc512 = Vector512.Create(TAggregate.Identity);
                for (; i + (nuint)Vector512<float>.Count <= n; i += (nuint)Vector512<float>.Count)
                    acc512 = TAggregate.Invoke(acc512, TTransform.Invoke(Vector512.LoadUnsafe(ref ar, i), Vector512.LoadUnsafe(ref br, i)));
                acc256 = TAggregate.Invoke(acc512.GetLower(), acc512.GetUpper());
            }
            for (; i + (nuint)Vector256<float>.Count <= n; i += (nuint)Vector256<float>.Count)
                acc256 = TAggregate.Invoke(acc256, TTransform.Invoke(Vector256.LoadUnsafe(ref ar, i), Vector256.LoadUnsafe(ref br, i)));
            acc128 = TAggregate.Invoke(acc256.GetLower(), acc256.GetUpper());
        }
        if (Vector128.IsHardwareAccelerated)
        {
            for (; i + (nuint)Vector128<float>.Count <= n; i += (nuint)Vector128<float>.Count)
                acc128 = TAggregate.Invoke(acc128, TTransform.Invoke(Vector128.LoadUnsafe(ref ar, i), Vector128.LoadUnsafe(ref br, i)));
        }
        float result = Horizontal<TAggregate>(acc128);
        for (; i < n; i++)
            result = TAggregate.Invoke(result, TTransform.Invoke(Unsafe.Add(ref ar, i), Unsafe.Add(ref br, i)));
        return result;
    }

    // Lanes combined pairwise in a fixed order ((0,2),(1,3)) then together: deterministic for a given width.
    // When no vector width is accelerated, acc128 is all identity and this returns the identity.
    private static float Horizontal<TAggregate>(Vector128<float> v) where TAggregate : struct, IAggregationOperator =>
        TAggregate.Invoke(TAggregate.Invoke(v.GetElement(0), v.GetElement(2)), TAggregate.Invoke(v.GetElement(1), v.GetElement(3)));
}
