namespace Mnist.Engine.Kernels;

/// <summary>
/// Which of the optional convolution paths may run. Both are on by default; turning one off is for A/B measurements
/// in one build (e.g. <c>mnist bench engine --winograd off</c>). Passed to the <see cref="Convolution"/> kernels and,
/// through <see cref="Layers.Conv2d{T}"/>'s constructor (or <see cref="Networks.Architectures.Create{T}"/>), to the layers.
/// </summary>
public sealed record ConvolutionOptions
{
    /// <summary>Every path on.</summary>
    public static ConvolutionOptions Default { get; } = new();

    /// <summary>
    /// Float 3×3 stride-1 convolutions with enough channels run as <see cref="Kernels.Winograd"/> F(4×4,3×3)
    /// (forward and input gradient) instead of im2col + GEMM, where <see cref="Kernels.Winograd.Pays"/>.
    /// </summary>
    public bool Winograd { get; init; } = true;

    /// <summary>
    /// A convolution fused with the ReLU and 2×2 max pool after it (<see cref="Layers.Fusion.ConvReluMaxPool{T}"/>)
    /// runs its backward pass through <see cref="Convolution.BackwardReluMaxPool"/> from the pooled gradient.
    /// </summary>
    public bool SparsePoolBackward { get; init; } = true;
}
