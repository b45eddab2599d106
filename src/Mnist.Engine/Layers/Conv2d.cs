using System.Numerics;
using Mnist.Engine.Kernels;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Layers;

/// <summary>
/// 2-D convolution, as torch.nn.Conv2d: input [N,Cin,H,W] → output [N,Cout,OutH,OutW],
/// weight [Cout,Cin,K,K], bias [Cout], square kernel, zero padding.
/// </summary>
public sealed class Conv2d<T> : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T>? _input, _output, _inputGrad;
    private T[]? _columns;
    private bool _columnsCached;
    private Conv2dGeometry _geometry;
    private PreparedConvolutionWeights? _prepared;
    private float[]? _pooledScratch;
    private bool _poolPending;
    private MaxPool2d<T>? _gradientPool;
    private Tensor<T>? _pooledGrad, _pooledGradPlaceholder;
    private int[] _pooledCorners = [];

    /// <summary>Creates the layer with PyTorch's default initialization drawn from <paramref name="rng"/>.</summary>
    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, bool bias = true, SplitMix? rng = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kernelSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stride);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        InChannels = inChannels; OutChannels = outChannels; KernelSize = kernelSize; Stride = stride; Padding = padding;
        Weight = new Parameter<T>("weight", outChannels, inChannels, kernelSize, kernelSize);
        Bias = bias ? new Parameter<T>("bias", outChannels) { DecayWeights = false } : null;
        rng ??= new SplitMix(0);
        int fanIn = inChannels * kernelSize * kernelSize;
        Init.PyTorchDefault(Weight.Value.Span, fanIn, rng);
        if (Bias is not null) Init.PyTorchDefault(Bias.Value.Span, fanIn, rng);
    }

    public int InChannels { get; }
    public int OutChannels { get; }
    public int KernelSize { get; }
    public int Stride { get; }
    public int Padding { get; }

    /// <summary>
    /// Set by <see cref="Sequential{T}"/> when a <see cref="ReLU{T}"/> follows: the output is rectified while it is
    /// still in cache, and that ReLU passes its input through (its backward pass is unchanged).
    /// </summary>
    internal bool FusedRelu { get; set; }

    /// <summary>
    /// Set by <see cref="Sequential{T}"/> when this is the first layer and a fused <see cref="ReLU{T}"/> and a 2×2
    /// <see cref="MaxPool2d{T}"/> follow. In training, when no input gradient is wanted, the forward pass then only
    /// keeps its input and returns its output tensor unwritten; the pooling layer computes its output from this
    /// layer's input directly (<see cref="ForwardReluMaxPool"/>) and routes its gradient into this layer's parameter
    /// gradients (<see cref="BackwardReluMaxPool"/>), so the full-size output and its gradient never exist.
    /// </summary>
    internal bool FusedWithPool { get; set; }

    /// <summary>[Cout,Cin,K,K].</summary>
    public Parameter<T> Weight { get; }

    /// <summary>[Cout], or null without bias.</summary>
    public Parameter<T>? Bias { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter<T>> Parameters => Bias is null ? [Weight] : [Weight, Bias];

    /// <inheritdoc/>
    public override int[] OutputItemShape(int[] inputItemShape)
    {
        var g = Geometry(1, inputItemShape);
        return [OutChannels, g.OutHeight, g.OutWidth];
    }

    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input)
    {
        _geometry = Geometry(input.Dim(0), input.Shape[1..]);
        var g = _geometry;
        _output = Tensor<T>.Reuse(_output, g.Batch, OutChannels, g.OutHeight, g.OutWidth);
        _input = input;
        _gradientPool = null;
        _poolPending = Training && FusedWithPool && FusedRelu && !NeedsInputGradient && Convolution.FusesReluMaxPool(g);
        if (_poolPending)
        {
            _columnsCached = false;
            return _output;
        }
        if (!Training && typeof(T) == typeof(float))
        {
            // Inference: the weights' transformed and packed forms are kept between calls (re-made when they change).
            _prepared ??= new PreparedConvolutionWeights();
            _columnsCached = false;
            Convolution.ForwardInference(g, (float[])(object)input.Data, (ReadOnlyMemory<float>)(object)(ReadOnlyMemory<T>)Weight.Value,
                Bias is null ? default : (ReadOnlyMemory<float>)(object)(ReadOnlyMemory<T>)Bias.Value, (float[])(object)_output.Data, FusedRelu, _prepared);
            return _output;
        }
        T[]? columns = null;
        if (Training && Convolution.UsesColumnCache<T>(g))
        {
            long need = Convolution.ColumnCacheLength<T>(g);
            if (_columns is null || _columns.Length != need) _columns = new T[need];
            columns = _columns;
        }
        _columnsCached = columns is not null;
        Convolution.Forward<T>(g, input.Data, Weight.Value, Bias is null ? default : Bias.Value, _output.Data, columns, FusedRelu);
        return _output;
    }

    /// <summary>Whether <paramref name="output"/> is this layer's unwritten output, left for the pooling layer.</summary>
    internal bool PoolPending(Tensor<T> output) => _poolPending && ReferenceEquals(output, _output);

    /// <summary>The pooled output of ReLU and 2×2 max pooling over this layer's output, with each window's winning cell.</summary>
    internal void ForwardReluMaxPool(Tensor<T> pooled, int[] corners)
    {
        var g = _geometry;
        if (typeof(T) == typeof(float))
        {
            Convolution.ForwardReluMaxPool(g, (float[])(object)_input!.Data, (ReadOnlyMemory<float>)(object)(ReadOnlyMemory<T>)Weight.Value,
                Bias is null ? default : (ReadOnlyMemory<float>)(object)(ReadOnlyMemory<T>)Bias.Value, (float[])(object)pooled.Data, corners, PooledScratch(g));
            return;
        }
        Kernels.Reference.ReferenceConvolutionPool.Forward<T>(g, _input!.Span, Weight.Value.Span, Bias is null ? default : Bias.Value.Span, pooled.Span, corners);
    }

    /// <summary>Accumulates the parameter gradients from the pooled output's gradient (see <see cref="ForwardReluMaxPool"/>).</summary>
    internal void BackwardReluMaxPool(Tensor<T> pooledGrad, int[] corners)
    {
        var g = _geometry;
        if (typeof(T) == typeof(float))
        {
            Convolution.BackwardWeightsReluMaxPool(g, (float[])(object)_input!.Data, (float[])(object)pooledGrad.Data, corners,
                (Memory<float>)(object)Weight.Grad, Bias is null ? default : (Memory<float>)(object)Bias.Grad, PooledScratch(g), scratchHoldsInput: true);
            return;
        }
        Kernels.Reference.ReferenceConvolutionPool.BackwardWeights<T>(g, _input!.Span, pooledGrad.Span, corners, Weight.Grad.Span,
            Bias is null ? default : Bias.Grad.Span);
    }

    /// <summary>
    /// Whether this layer computes its backward pass from the gradient of a 2×2 max pool after its fused ReLU
    /// (<see cref="MaxPool2d{T}.Consumer"/>) rather than from the pool's full-size input gradient.
    /// </summary>
    internal bool TakesPooledGradient(int[] poolInputShape) =>
        Training && !_poolPending && FusedRelu && Convolution.SparsePoolBackwardEnabled && Convolution.BacksReluMaxPool(_geometry)
        && _output is not null && poolInputShape.AsSpan().SequenceEqual(_output.Shape);

    /// <summary>
    /// Called by the pool's backward pass: its output gradient, each window's chosen cell (or
    /// <see cref="Convolution.NoCorner"/>), and the input gradient tensor it returns unwritten, which this layer's
    /// backward pass will be handed (through the ReLU) and recognizes.
    /// </summary>
    internal void SetPooledGradient(Tensor<T> pooledGrad, int[] corners, Tensor<T> placeholder, MaxPool2d<T> pool)
    {
        _pooledGrad = pooledGrad;
        _pooledCorners = corners;
        _pooledGradPlaceholder = placeholder;
        _gradientPool = pool;
    }

    // The backward pass from the pooled gradient; false when the float kernel declines (non-finite input or weights),
    // after the pool has written the dense gradient into outputGrad for the general path.
    private bool BackwardFromPooled(Tensor<T> outputGrad)
    {
        var g = _geometry;
        var pool = _gradientPool!;
        _gradientPool = null;
        if (NeedsInputGradient) _inputGrad = Tensor<T>.Reuse(_inputGrad, _input!.Shape);
        if (typeof(T) == typeof(float))
        {
            bool done = Convolution.BackwardReluMaxPool(g, (float[])(object)_input!.Data, (ReadOnlyMemory<float>)(object)(ReadOnlyMemory<T>)Weight.Value,
                (float[])(object)_pooledGrad!.Data, _pooledCorners, (Memory<float>)(object)Weight.Grad,
                Bias is null ? default : (Memory<float>)(object)Bias.Grad, NeedsInputGradient ? (float[])(object)_inputGrad!.Data : default);
            if (!done) pool.WriteInputGradient(_pooledGrad, outputGrad);
            return done;
        }
        Kernels.Reference.ReferenceConvolutionPool.BackwardWeights<T>(g, _input!.Span, _pooledGrad!.Span, _pooledCorners, Weight.Grad.Span,
            Bias is null ? default : Bias.Grad.Span);
        if (NeedsInputGradient) Kernels.Reference.ReferenceConvolutionPool.BackwardData<T>(g, Weight.Value.Span, _pooledGrad.Span, _pooledCorners, _inputGrad!.Span);
        return true;
    }

    private float[] PooledScratch(Conv2dGeometry g)
    {
        long need = Convolution.ReluMaxPoolScratchLength(g);
        if (_pooledScratch is null || _pooledScratch.Length < need) _pooledScratch = new float[need];
        return _pooledScratch;
    }

    /// <inheritdoc/>
    public override Tensor<T>? Backward(Tensor<T> outputGrad)
    {
        if (_input is null) throw new InvalidOperationException("Backward called before Forward.");
        var g = _geometry;
        if (_gradientPool is not null && ReferenceEquals(outputGrad, _pooledGradPlaceholder) && BackwardFromPooled(outputGrad))
            return NeedsInputGradient ? _inputGrad : null;
        Convolution.BackwardWeights<T>(g, _input.Data, _columnsCached ? _columns : default, outputGrad.Data, Weight.Grad, Bias is null ? default : Bias.Grad);
        if (!NeedsInputGradient) return null;
        _inputGrad = Tensor<T>.Reuse(_inputGrad, _input.Shape);
        Convolution.BackwardData<T>(g, outputGrad.Data, Weight.Value, _inputGrad.Data);
        return _inputGrad;
    }

    private Conv2dGeometry Geometry(int batch, int[] itemShape)
    {
        if (itemShape.Length != 3 || itemShape[0] != InChannels)
            throw new ArgumentException($"{Name}: Conv2d expects [N,{InChannels},H,W] input, got item shape [{string.Join(',', itemShape)}].");
        var g = new Conv2dGeometry(batch, InChannels, itemShape[1], itemShape[2], OutChannels, KernelSize, Stride, Padding);
        g.Validate();
        return g;
    }
}
