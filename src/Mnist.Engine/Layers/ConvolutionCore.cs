using System.Numerics;
using Mnist.Engine.Kernels;
using Mnist.Engine.Kernels.Reference;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Layers;

/// <summary>
/// The passes of one <see cref="Conv2d{T}"/>'s weights over a batch, with what they keep between forward and backward
/// (the input, the im2col column cache, the inference-prepared weights). <see cref="Conv2d{T}"/> runs through one, and so
/// does every fused layer that starts with a convolution (<see cref="Fusion.ConvRelu{T}"/>, <see cref="Fusion.ConvReluMaxPool{T}"/>).
/// </summary>
internal sealed class ConvolutionCore<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Conv2d<T> _conv;
    private T[]? _columns;
    private bool _columnsCached;
    private PreparedConvolutionWeights? _prepared;
    private float[]? _pooledScratch;
    private Tensor<T>? _input;

    public ConvolutionCore(Conv2d<T> conv) => _conv = conv;

    /// <summary>The geometry of the last <see cref="Begin"/>.</summary>
    public Conv2dGeometry Geometry { get; private set; }

    /// <summary>The input of the last <see cref="Begin"/>.</summary>
    public Tensor<T> Input => _input ?? throw new InvalidOperationException("Backward called before Forward.");

    private ConvolutionOptions Options => _conv.Options;

    /// <summary>Starts a forward pass over <paramref name="input"/> and returns its geometry.</summary>
    public Conv2dGeometry Begin(Tensor<T> input)
    {
        Geometry = _conv.Geometry(input.Dim(0), input.Shape[1..]);
        _input = input;
        _columnsCached = false;
        return Geometry;
    }

    /// <summary>The output (rectified when <paramref name="relu"/>) into <paramref name="output"/>, keeping the column cache in training.</summary>
    public void Forward(Tensor<T> output, bool training, bool relu)
    {
        var g = Geometry;
        var input = Input;
        var w = _conv.Weight;
        var b = _conv.Bias;
        if (!training && typeof(T) == typeof(float))
        {
            // Inference: the weights' transformed and packed forms are kept between calls (re-made when they change).
            _prepared ??= new PreparedConvolutionWeights();
            Convolution.ForwardInference(g, (float[])(object)input.Data, (ReadOnlyMemory<float>)(object)(ReadOnlyMemory<T>)w.Value,
                b is null ? default : (ReadOnlyMemory<float>)(object)(ReadOnlyMemory<T>)b.Value, (float[])(object)output.Data, relu, _prepared, Options);
            return;
        }
        T[]? columns = null;
        if (training && Convolution.UsesColumnCache<T>(g, Options))
        {
            long need = Convolution.ColumnCacheLength<T>(g);
            if (_columns is null || _columns.Length != need) _columns = new T[need];
            columns = _columns;
        }
        _columnsCached = columns is not null;
        Convolution.Forward<T>(g, input.Data, w.Value, b is null ? default : b.Value, output.Data, columns, relu, Options);
    }

    /// <summary>Accumulates the parameter gradients from the output gradient of the last <see cref="Forward"/>.</summary>
    public void BackwardWeights(Tensor<T> outputGrad) =>
        Convolution.BackwardWeights<T>(Geometry, Input.Data, _columnsCached ? _columns : default, outputGrad.Data, _conv.Weight.Grad,
            _conv.Bias is null ? default : _conv.Bias.Grad, Options);

    /// <summary>The input gradient (overwritten) from the output gradient.</summary>
    public void BackwardData(Tensor<T> outputGrad, Tensor<T> inputGrad) =>
        Convolution.BackwardData<T>(Geometry, outputGrad.Data, _conv.Weight.Value, inputGrad.Data, Options);

    /// <summary>
    /// ReLU and 2×2 max pooling over the convolution's output, computed from the input directly (the full-size output
    /// never exists), with each window's winning cell (0-3, or <see cref="Convolution.NoCorner"/> where it is not positive).
    /// </summary>
    public void ForwardReluMaxPool(Tensor<T> pooled, int[] corners)
    {
        var g = Geometry;
        var w = _conv.Weight;
        var b = _conv.Bias;
        if (typeof(T) == typeof(float))
        {
            Convolution.ForwardReluMaxPool(g, (float[])(object)Input.Data, (ReadOnlyMemory<float>)(object)(ReadOnlyMemory<T>)w.Value,
                b is null ? default : (ReadOnlyMemory<float>)(object)(ReadOnlyMemory<T>)b.Value, (float[])(object)pooled.Data, corners, PooledScratch(g));
            return;
        }
        ReferenceConvolutionPool.Forward<T>(g, Input.Span, w.Value.Span, b is null ? default : b.Value.Span, pooled.Span, corners);
    }

    /// <summary>Accumulates the parameter gradients from the pooled output's gradient after <see cref="ForwardReluMaxPool"/>.</summary>
    public void BackwardWeightsReluMaxPool(Tensor<T> pooledGrad, int[] corners)
    {
        var g = Geometry;
        var w = _conv.Weight;
        var b = _conv.Bias;
        if (typeof(T) == typeof(float))
        {
            Convolution.BackwardWeightsReluMaxPool(g, (float[])(object)Input.Data, (float[])(object)pooledGrad.Data, corners,
                (Memory<float>)(object)w.Grad, b is null ? default : (Memory<float>)(object)b.Grad, PooledScratch(g), scratchHoldsInput: true);
            return;
        }
        ReferenceConvolutionPool.BackwardWeights<T>(g, Input.Span, pooledGrad.Span, corners, w.Grad.Span, b is null ? default : b.Grad.Span);
    }

    /// <summary>
    /// The backward pass of ReLU, 2×2 max pool and this convolution from the pooled output's gradient and each window's
    /// chosen cell: parameter gradients accumulated, the input gradient written when <paramref name="inputGrad"/> is given.
    /// False, with nothing written, when the float kernel declines (non-finite input or weights): the caller then runs the dense path.
    /// </summary>
    public bool BackwardReluMaxPool(Tensor<T> pooledGrad, int[] corners, Tensor<T>? inputGrad)
    {
        var g = Geometry;
        var w = _conv.Weight;
        var b = _conv.Bias;
        if (typeof(T) == typeof(float))
        {
            return Convolution.BackwardReluMaxPool(g, (float[])(object)Input.Data, (ReadOnlyMemory<float>)(object)(ReadOnlyMemory<T>)w.Value,
                (float[])(object)pooledGrad.Data, corners, (Memory<float>)(object)w.Grad, b is null ? default : (Memory<float>)(object)b.Grad,
                inputGrad is null ? default : (float[])(object)inputGrad.Data);
        }
        ReferenceConvolutionPool.BackwardWeights<T>(g, Input.Span, pooledGrad.Span, corners, w.Grad.Span, b is null ? default : b.Grad.Span);
        if (inputGrad is not null) ReferenceConvolutionPool.BackwardData<T>(g, w.Value.Span, pooledGrad.Span, corners, inputGrad.Span);
        return true;
    }

    private float[] PooledScratch(Conv2dGeometry g)
    {
        long need = Convolution.ReluMaxPoolScratchLength(g);
        if (_pooledScratch is null || _pooledScratch.Length < need) _pooledScratch = new float[need];
        return _pooledScratch;
    }
}
