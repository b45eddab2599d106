using System.Runtime.Intrinsics;

namespace Mnist.Engine.Kernels.Common;

/// <summary>Which vector width the kernels dispatch to on this process (after DOTNET_Enable* settings).</summary>
public static class Isa
{
    /// <summary>Widest accelerated float vector in bits: 512, 256, 128, or 0 for scalar only.</summary>
    public static int VectorBits =>
        Vector512.IsHardwareAccelerated ? 512 :
        Vector256.IsHardwareAccelerated ? 256 :
        Vector128.IsHardwareAccelerated ? 128 : 0;

    /// <summary>A short description, e.g. "Vector512 (AVX-512F) + FMA".</summary>
    public static string Describe() =>
        $"{(VectorBits == 0 ? "scalar" : $"Vector{VectorBits}")}, FMA={System.Runtime.Intrinsics.X86.Fma.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported}";
}
