using System.Numerics;
using Mnist.Engine.Kernels;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Layers.Fusion;

/// <summary>
/// <see cref="Conv2d{T}"/> → <see cref="ReLU{T}"/> → <see cref="MaxPool2d{T}"/>. The convolution rectifies its output in
/// cache, and backward masks only the pooled gradient (the ReLU's backward pass on a quarter of the elements). With a 2×2
/// stride-2 pool, in training, where the kernels cover the geometry (3×3 for the backward pass, stride 1, no padding):
/// <list type="bullet">
/// <item>when no input gradient is wanted (the first layer), the pooled output is computed from the input directly and
/// the parameter gradients from the pooled gradient, so the full-size output and its gradient never exist;</item>
/// <item>otherwise, unless <see cref="ConvolutionOptions.SparsePoolBackward"/> is off, the backward pass runs from the
/// pooled gradient and each window's chosen cell (<see cref="Convolution.BackwardReluMaxPool"/>), so the full-size, mostly
/// zero gradient is never written or read.</item>
/// </list>
/// </summary>
public sealed class ConvReluMaxPool<T> : FusedLayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ConvolutionCore<T> _core;
    private readonly RectifiedMaxPool<T> _pool;
    private Tensor<T>? _output, _outputGrad, _inputGrad;
    private bool _pooledOnly;

    /// <summary>Fuses <paramref name="conv"/>, <paramref name="relu"/> and <paramref name="pool"/>, in that order.</summary>
    public ConvReluMaxPool(Conv2d<T> conv, ReLU<T> relu, MaxPool2d<T> pool) : base(conv, relu, pool)
    {
        Conv = conv;
        Pool = pool;
        _core = new ConvolutionCore<T>(conv);
        _pool = new RectifiedMaxPool<T>(pool);
    }

    /// <summary>The convolution (its parameters are this layer's).</summary>
    public Conv2d<T> Conv { get; }

    /// <summary>The pooling layer.</summary>
    public MaxPool2d<T> Pool { get; }

    /// <summary>Whether the last forward pass went from the input straight to the pooled output (no full-size output).</summary>
    internal bool PooledOnly => _pooledOnly;

    /// <summary>Whether the last backward pass can run from the pooled gradient (<see cref="Convolution.BackwardReluMaxPool"/>).</summary>
    internal bool TakesPooledGradient =>
        Training && !_pooledOnly && Pool.IsHalving && Conv.Options.SparsePoolBackward && Convolution.BacksReluMaxPool(_core.Geometry);

    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input)
    {
        var g = _core.Begin(input);
        int[] convShape = [g.Batch, Conv.OutChannels, g.OutHeight, g.OutWidth];
        _pooledOnly = Training && !NeedsInputGradient && Pool.IsHalving && Convolution.FusesReluMaxPool(g);
        if (_pooledOnly)
        {
            // The argmax array then holds window cells (0-3, or NoCorner where the gradient is masked).
            var pooled = _pool.Prepare(convShape);
            _core.ForwardReluMaxPool(pooled, _pool.Argmax);
            return pooled;
        }
        _output = Tensor<T>.Reuse(_output, convShape);
        _core.Forward(_output, Training, relu: true);
        return _pool.Forward(_output);
    }

    /// <inheritdoc/>
    public override Tensor<T>? Backward(Tensor<T> outputGrad)
    {
        if (_pooledOnly)
        {
            _core.BackwardWeightsReluMaxPool(outputGrad, _pool.Argmax);
            return null;
        }
        if (_output is null) throw new InvalidOperationException("Backward called before Forward.");
        if (NeedsInputGradient) _inputGrad = Tensor<T>.Reuse(_inputGrad, _core.Input.Shape);
        var inputGrad = NeedsInputGradient ? _inputGrad : null;
        if (TakesPooledGradient && _core.BackwardReluMaxPool(outputGrad, _pool.WindowCorners(), inputGrad)) return inputGrad;
        // The dense path (also when the sparse kernel declines a non-finite input or weights).
        _outputGrad = Tensor<T>.Reuse(_outputGrad, _output.Shape);
        _pool.WriteInputGradient(outputGrad, _outputGrad);
        _core.BackwardWeights(_outputGrad);
        if (inputGrad is null) return null;
        _core.BackwardData(_outputGrad, inputGrad);
        return inputGrad;
    }
}
