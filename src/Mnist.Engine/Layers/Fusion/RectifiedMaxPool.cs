using System.Numerics;
using Mnist.Engine.Kernels;
using Mnist.Engine.Kernels.Common;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Layers.Fusion;

/// <summary>
/// Max pooling of a rectified input (the output of a ReLU) for the fused layers that end in ReLU → <see cref="MaxPool2d{T}"/>.
/// Each pooled value is the rectified input at the chosen position, so the ReLU's backward pass is the pooled gradient
/// zeroed where the pooled value is not positive: a quarter of the elements (2×2 pooling), done before routing back.
/// </summary>
internal sealed class RectifiedMaxPool<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly MaxPool2d<T> _pool;
    private Tensor<T>? _output, _maskedGrad;
    private int[] _argmax = [];
    private int[] _corners = [];
    private int[] _inputShape = [];

    public RectifiedMaxPool(MaxPool2d<T> pool) => _pool = pool;

    /// <summary>The pooled output of the last forward pass.</summary>
    public Tensor<T> Output => _output ?? throw new InvalidOperationException("Backward called before Forward.");

    /// <summary>
    /// The argmax array: flat input indices after <see cref="Forward"/>; the fused convolution's pooled forward pass
    /// writes window cells (0-3, or <see cref="Convolution.NoCorner"/>) into it instead.
    /// </summary>
    public int[] Argmax => _argmax;

    /// <summary>Makes the output tensor for an input of shape <paramref name="inputShape"/> without pooling.</summary>
    public Tensor<T> Prepare(int[] inputShape)
    {
        var item = _pool.OutputItemShape(inputShape[1..]);
        _inputShape = inputShape;
        _output = Tensor<T>.Reuse(_output, inputShape[0], item[0], item[1], item[2]);
        if (_argmax.Length != _output.Length) _argmax = new int[_output.Length];
        return _output;
    }

    /// <summary>Pools <paramref name="input"/> (already rectified).</summary>
    public Tensor<T> Forward(Tensor<T> input)
    {
        var output = Prepare(input.Shape);
        Pooling.MaxPool2d<T>(input.Span, input.Dim(0), input.Dim(1), input.Dim(2), input.Dim(3), _pool.KernelSize, _pool.Stride, _pool.Padding,
            output.Span, _argmax);
        return output;
    }

    /// <summary>The gradient at the ReLU's input (dense, overwritten) from the pooled output's gradient.</summary>
    public void WriteInputGradient(Tensor<T> outputGrad, Tensor<T> inputGrad)
    {
        _maskedGrad = Tensor<T>.Reuse(_maskedGrad, outputGrad.Shape);
        Elementwise.ReluBackward<T>(Output.Span, outputGrad.Span, _maskedGrad.Span);
        Pooling.MaxPool2dBackward<T>(_maskedGrad.Span, _argmax, inputGrad.Span,
            _inputShape[0], _inputShape[1], _inputShape[2], _inputShape[3], _pool.KernelSize, _pool.Stride, _pool.Padding);
    }

    /// <summary>
    /// The argmax of a 2×2 stride-2 pool as cells of each window (0-3 row-major), <see cref="Convolution.NoCorner"/>
    /// where the pooled value is not positive (the ReLU has zero slope there).
    /// </summary>
    public int[] WindowCorners()
    {
        if (_corners.Length != _argmax.Length) _corners = new int[_argmax.Length];
        int planes = _inputShape[0] * _inputShape[1], h = _inputShape[2], w = _inputShape[3];
        int oh = h / 2, ow = w / 2;
        var output = Output.Data;
        var argmax = _argmax;
        var corners = _corners;
        Parallelism.ForChunks(planes, (_, p0, p1) =>
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
        return corners;
    }
}
