namespace Mnist.Engine.Kernels;

/// <summary>
/// Shapes of a 2-D convolution over NCHW tensors: input [N,Cin,H,W], weight [Cout,Cin,K,K],
/// output [N,Cout,OutH,OutW] with OutH = (H + 2·padding − K)/stride + 1 (floor), zero padding.
/// </summary>
public readonly record struct Conv2dGeometry(
    int Batch, int InChannels, int Height, int Width, int OutChannels, int Kernel, int Stride = 1, int Padding = 0)
{
    /// <summary>Output height.</summary>
    public int OutHeight => (Height + 2 * Padding - Kernel) / Stride + 1;

    /// <summary>Output width.</summary>
    public int OutWidth => (Width + 2 * Padding - Kernel) / Stride + 1;

    /// <summary>Rows of one sample's im2col matrix: Cin·K·K (the GEMM depth).</summary>
    public int PatchSize => InChannels * Kernel * Kernel;

    /// <summary>Output pixels per channel: OutH·OutW (columns of the im2col matrix).</summary>
    public int OutPixels => OutHeight * OutWidth;

    /// <summary>Elements of one input sample.</summary>
    public int InputItem => InChannels * Height * Width;

    /// <summary>Elements of one output sample.</summary>
    public int OutputItem => OutChannels * OutPixels;

    /// <summary>Elements of the weight tensor.</summary>
    public int WeightLength => OutChannels * PatchSize;

    /// <summary>Elements of one sample's im2col matrix.</summary>
    public int ColumnItem => PatchSize * OutPixels;

    /// <summary>Throws when a dimension is non-positive or the kernel does not fit the padded input.</summary>
    public void Validate()
    {
        if (Batch < 0 || InChannels <= 0 || Height <= 0 || Width <= 0 || OutChannels <= 0 || Kernel <= 0 || Stride <= 0 || Padding < 0)
            throw new ArgumentException($"Invalid convolution geometry {this}.");
        if (Height + 2 * Padding < Kernel || Width + 2 * Padding < Kernel)
            throw new ArgumentException($"Kernel {Kernel} is larger than the padded input {Height}x{Width} (padding {Padding}).");
    }
}
