using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Mnist.Engine.Kernels.Common;

/// <summary>
/// The loop for every <see cref="IUnaryOperator"/>: widest accelerated vector first, then narrower vectors,
/// then a scalar loop for the last few elements (at most 3).
/// </summary>
/// <remarks>
/// Tails step down through narrower vectors instead of re-processing an overlapping last vector, because
/// callers run in place (x and y the same span) and accumulating operators must touch each element once.
/// Callers validate lengths; <c>y</c> must be at least as long as <c>x</c>.
/// </remarks>
internal static class UnaryDriver
{
    public static void Invoke<TOp>(ReadOnlySpan<float> x, Span<float> y) where TOp : struct, IUnaryOperator
    {
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        nuint n = (nuint)x.Length, i = 0;

        // IsHardwareAccelerated is a JIT-time constant, so the untaken widths compile away.
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + (nuint)Vector512<float>.Count <= n; i += (nuint)Vector512<float>.Count)
                TOp.Invoke(Vector512.LoadUnsafe(ref xr, i)).StoreUnsafe(ref yr, i);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            // At most one iteration after a 512-bit loop; the whole loop on AVX2-only machines.
            for (; i + (nuint)Vector256<float>.Count <= n; i += (nuint)Vector256<float>.Count)
                TOp.Invoke(Vector256.LoadUnsafe(ref xr, i)).StoreUnsafe(ref yr, i);
        }
        if (Vector128.IsHardwareAccelerated)
        {
            for (; i + (nuint)Vector128<float>.Count <= n; i += (nuint)Vector128<float>.Count)
                TOp.Invoke(Vector128.LoadUnsafe(ref xr, i)).StoreUnsafe(ref yr, i);
        }
        // Tail (or everything when no vector width is accelerated).
        for (; i < n; i++)
            Unsafe.Add(ref yr, i) = TOp.Invoke(Unsafe.Add(ref xr, i));
    }
}
