using System.Numerics;
using Mnist.Engine.Kernels;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Layers;

/// <summary>Max pooling over [N,C,H,W], as torch.nn.MaxPool2d (stride defaults to the kernel size).</summary>
public sealed class MaxPool2d<T> : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T>? _output, _inputGrad, _maskedGrad;
    private int[] _argmax = [];
    private int[] _corners = [];
    private int[] _inputShape = [];
    private bool _fused;

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

    /// <summary>
    /// Set by <see cref="Sequential{T}"/> when a <see cref="ReLU{T}"/> precedes: the output gradient is zeroed where the
    /// output is not positive before it is routed back, which is that ReLU's backward pass on a quarter of the elements
    /// (2×2 pooling), and the ReLU then passes the gradient through.
    /// </summary>
    internal bool MaskNonPositive { get; set; }

    /// <summary>
    /// Set by <see cref="Sequential{T}"/> for conv → ReLU → this 2×2 pool at the start of a network (see
    /// <see cref="Conv2d{T}.FusedWithPool"/>): when that layer left its output unwritten, this layer pools straight
    /// from the convolution and hands its output gradient back to it, returning no input gradient.
    /// </summary>
    internal Conv2d<T>? Producer { get; set; }

    /// <summary>
    /// Set by <see cref="Sequential{T}"/> for conv → fused ReLU → this 2×2 pool (with <see cref="MaskNonPositive"/>):
    /// when that layer takes it (<see cref="Conv2d{T}.TakesPooledGradient"/>), backward hands it the output gradient and
    /// each window's chosen cell and returns its input gradient tensor unwritten, so the full-size, mostly zero
    /// gradient is never written or read.
    /// </summary>
    internal Conv2d<T>? Consumer { get; set; }

    /// <summary>Whether this is the 2×2, stride-2, unpadded pool the fused convolution path implements.</summary>
    internal bool IsHalving => KernelSize == 2 && Stride == 2 && Padding == 0;

    public int KernelSize { get; }
    public int Stride { get; }
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
        _fused = Producer is not null && Producer.PoolPending(input);
        if (_fused)
        {
            // _argmax holds window cells (0-3, or 4 where the gradient is masked), not flat input indices.
            Producer!.ForwardReluMaxPool(_output, _argmax);
            return _output;
        }
        Pooling.MaxPool2d<T>(input.Span, n, input.Dim(1), input.Dim(2), input.Dim(3), KernelSize, Stride, Padding, _output.Span, _argmax);
        return _output;
    }

    /// <inheritdoc/>
    public override Tensor<T>? Backward(Tensor<T> outputGrad)
    {
        if (_output is null) throw new InvalidOperationException("Backward called before Forward.");
        if (_fused)
        {
            Producer!.BackwardReluMaxPool(outputGrad, _argmax);
            return null;
        }
        if (!NeedsInputGradient) return null;
        _inputGrad = Tensor<T>.Reuse(_inputGrad, _inputShape);
        if (MaskNonPositive && IsHalving && Consumer is not null && Consumer.TakesPooledGradient(_inputShape))
        {
            if (_corners.Length != _output.Length) _corners = new int[_output.Length];
            WindowCorners();
            Consumer.SetPooledGradient(outputGrad, _corners, _inputGrad, this);
            return _inputGrad;
        }
        WriteInputGradient(outputGrad, _inputGrad);
        return _inputGrad;
    }

    // _argmax (flat input indices) as cells of each 2×2 window (0-3 row-major), Convolution.NoCorner where the pooled
    // value is not positive (the ReLU before this layer has zero slope there).
    private void WindowCorners()
    {
        int planes = _inputShape[0] * _inputShape[1], h = _inputShape[2], w = _inputShape[3];
        int oh = h / 2, ow = w / 2;
        var output = _output!.Data;
        var argmax = _argmax;
        var corners = _corners;
        Kernels.Common.Parallelism.ForChunks(planes, (_, p0, p1) =>
        {
            for (int plane = p0; plane < p1; plane++)
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++)
                    {
                        int index = (plane * oh + i) * ow + j;
                        // Arithmetic, not branches: which cell wins (and whether it is masked) is data, and a
                        // mispredicted branch per window cost more than the convolution's sparse backward pass.
                        int rel = argmax[index] - (plane * h + 2 * i) * w - 2 * j;
                        int lower = (w - 1 - rel) >>> 31;
                        int corner = 2 * lower + rel - lower * w;
                        int masked = output[index] > T.Zero ? 0 : 1;
                        corners[index] = corner + masked * (Convolution.NoCorner - corner);
                    }
        }, minItemsPerChunk: 64);
    }

    /// <summary>The dense input gradient of this layer (masked as <see cref="MaskNonPositive"/> asks) into <paramref name="inputGrad"/>.</summary>
    internal void WriteInputGradient(Tensor<T> outputGrad, Tensor<T> inputGrad)
    {
        if (MaskNonPositive)
        {
            _maskedGrad = Tensor<T>.Reuse(_maskedGrad, outputGrad.Shape);
            Elementwise.ReluBackward<T>(_output!.Span, outputGrad.Span, _maskedGrad.Span);
            outputGrad = _maskedGrad;
        }
        Pooling.MaxPool2dBackward<T>(outputGrad.Span, _argmax, inputGrad.Span,
            _inputShape[0], _inputShape[1], _inputShape[2], _inputShape[3], KernelSize, Stride, Padding);
    }
}
