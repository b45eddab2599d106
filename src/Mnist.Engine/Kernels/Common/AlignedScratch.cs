using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Mnist.Engine.Kernels.Common;

/// <summary>
/// Scratch floats starting at a 64-byte boundary, in an array on the pinned object heap (it never moves, so the
/// pointer stays valid while the array is referenced). Callers keep the array in a field of their own, usually
/// thread-static, and it grows as needed; the contents are not cleared.
/// </summary>
internal static unsafe class AlignedScratch
{
    private const int Alignment = 64;

    /// <summary>A pointer to <paramref name="length"/> floats at a 64-byte boundary inside <paramref name="buffer"/> (re-made when too short).</summary>
    public static float* Get(ref float[]? buffer, int length)
    {
        int need = length + Alignment / sizeof(float);
        if (buffer is null || buffer.Length < need) buffer = GC.AllocateUninitializedArray<float>(need, pinned: true);
        nint start = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
        return (float*)((start + Alignment - 1) & ~(nint)(Alignment - 1));
    }
}
