using System.Numerics;
using Mnist.Engine.Kernels;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Layers;

/// <summary>
/// Average pooling over [N,C,H,W], as torch.nn.AvgPool2d (square kernel, stride defaults to the kernel
/// size, symmetric zero padding, <c>ceil_mode=False</c>). With <see cref="CountIncludePad"/> the divisor is
/// kernel²; without, it is the number of real (unpadded) cells in the window, as ONNX AveragePool's default.
/// Backward spreads each output gradient evenly over its window (dx += dy / divisor).
/// </summary>
public sealed class AvgPool2d<T> : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T>? _output, _inputGrad;
    private int[] _inputShape = [];

    /// <summary>Average pooling over <paramref name="kernelSize"/>² windows every <paramref name="stride"/> pixels (default: the kernel size), with <paramref name="padding"/> zeros on each side (at most half the kernel); <paramref name="countIncludePad"/> as in <see cref="CountIncludePad"/>.</summary>
    public AvgPool2d(int kernelSize, int? stride = null, int padding = 0, bool countIncludePad = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kernelSize);
        KernelSize = kernelSize;
        Stride = stride ?? kernelSize;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Stride);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        if (padding * 2 > kernelSize) throw new ArgumentOutOfRangeException(nameof(padding), "Padding must be at most half the kernel size.");
        Padding = padding;
        CountIncludePad = countIncludePad;
    }

    /// <summary>Side of the square window.</summary>
    public int KernelSize { get; }
    /// <summary>Step between windows (the kernel size unless given).</summary>
    public int Stride { get; }
    /// <summary>Zero padding on each side.</summary>
    public int Padding { get; }

    /// <summary>Whether padded zeros count in the divisor (PyTorch's default is true, ONNX's is false).</summary>
    public bool CountIncludePad { get; }

    /// <inheritdoc/>
    public override int[] OutputItemShape(int[] inputItemShape)
    {
        if (inputItemShape.Length != 3) throw new ArgumentException($"{Name}: AvgPool2d expects [N,C,H,W] input.");
        return [inputItemShape[0], Pooling.OutputSize(inputItemShape[1], KernelSize, Stride, Padding), Pooling.OutputSize(inputItemShape[2], KernelSize, Stride, Padding)];
    }

    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input)
    {
        var item = OutputItemShape(input.Shape[1..]);
        _inputShape = input.Shape;
        _output = Tensor<T>.Reuse(_output, input.Dim(0), item[0], item[1], item[2]);
        Pooling.AvgPool2d<T>(input.Span, input.Dim(0), input.Dim(1), input.Dim(2), input.Dim(3), KernelSize, Stride, Padding, CountIncludePad, _output.Span);
        return _output;
    }

    /// <inheritdoc/>
    public override Tensor<T>? Backward(Tensor<T> outputGrad)
    {
        if (_output is null) throw new InvalidOperationException("Backward called before Forward.");
        if (!NeedsInputGradient) return null;
        _inputGrad = Tensor<T>.Reuse(_inputGrad, _inputShape);
        var dx = _inputGrad.Span;
        dx.Clear();
        var dy = outputGrad.Span;
        int planes = _inputShape[0] * _inputShape[1], h = _inputShape[2], w = _inputShape[3];
        int oh = _output.Dim(2), ow = _output.Dim(3);
        for (int p = 0; p < planes; p++)
        {
            for (int i = 0; i < oh; i++)
            {
                int y0 = i * Stride - Padding, y1 = Math.Min(y0 + KernelSize, h);
                int ys = Math.Max(y0, 0);
                for (int j = 0; j < ow; j++)
                {
                    int x0 = j * Stride - Padding, x1 = Math.Min(x0 + KernelSize, w);
                    int xs = Math.Max(x0, 0);
                    int count = CountIncludePad ? KernelSize * KernelSize : (y1 - ys) * (x1 - xs);
                    T g = dy[(p * oh + i) * ow + j] / T.CreateTruncating(count);
                    for (int y = ys; y < y1; y++)
                        for (int x = xs; x < x1; x++) dx[(p * h + y) * w + x] += g;
                }
            }
        }
        return _inputGrad;
    }
}
