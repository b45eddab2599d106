using System.Numerics;
using Mnist.Engine.Kernels;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Layers;

/// <summary>Max pooling over [N,C,H,W], as torch.nn.MaxPool2d (stride defaults to the kernel size).</summary>
public sealed class MaxPool2d<T> : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T>? _output, _inputGrad;
    private int[] _argmax = [];
    private int[] _inputShape = [];

    /// <summary>Max pooling over <paramref name="kernelSize"/>² windows every <paramref name="stride"/> pixels (default: the kernel size), with <paramref name="padding"/> on each side (at most half the kernel; padded cells never win).</summary>
    public MaxPool2d(int kernelSize, int? stride = null, int padding = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kernelSize);
        KernelSize = kernelSize;
        Stride = stride ?? kernelSize;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Stride);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        if (padding * 2 > kernelSize) throw new ArgumentOutOfRangeException(nameof(padding), "Padding must be at most half the kernel size.");
        Padding = padding;
    }

    /// <summary>Whether this is the 2×2, stride-2, unpadded pool the fused convolution paths implement.</summary>
    internal bool IsHalving => KernelSize == 2 && Stride == 2 && Padding == 0;

    /// <summary>Side of the square window.</summary>
    public int KernelSize { get; }
    /// <summary>Step between windows (the kernel size unless given).</summary>
    public int Stride { get; }
    /// <summary>Zero padding on each side.</summary>
    public int Padding { get; }

    /// <inheritdoc/>
    public override int[] OutputItemShape(int[] inputItemShape)
    {
        if (inputItemShape.Length != 3) throw new ArgumentException($"{Name}: MaxPool2d expects [N,C,H,W] input.");
        return [inputItemShape[0], Pooling.OutputSize(inputItemShape[1], KernelSize, Stride, Padding), Pooling.OutputSize(inputItemShape[2], KernelSize, Stride, Padding)];
    }

    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input)
    {
        var item = OutputItemShape(input.Shape[1..]);
        int n = input.Dim(0);
        _inputShape = input.Shape;
        _output = Tensor<T>.Reuse(_output, n, item[0], item[1], item[2]);
        if (_argmax.Length != _output.Length) _argmax = new int[_output.Length];
        Pooling.MaxPool2d<T>(input.Span, n, input.Dim(1), input.Dim(2), input.Dim(3), KernelSize, Stride, Padding, _output.Span, _argmax);
        return _output;
    }

    /// <inheritdoc/>
    public override Tensor<T>? Backward(Tensor<T> outputGrad)
    {
        if (_output is null) throw new InvalidOperationException("Backward called before Forward.");
        if (!NeedsInputGradient) return null;
        _inputGrad = Tensor<T>.Reuse(_inputGrad, _inputShape);
        Pooling.MaxPool2dBackward<T>(outputGrad.Span, _argmax, _inputGrad.Span,
            _inputShape[0], _inputShape[1], _inputShape[2], _inputShape[3], KernelSize, Stride, Padding);
        return _inputGrad;
    }
}
