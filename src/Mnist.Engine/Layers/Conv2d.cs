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
    private readonly ConvolutionCore<T> _core;
    private Tensor<T>? _output, _inputGrad;

    /// <summary>
    /// Creates the layer with PyTorch's default initialization drawn from <paramref name="rng"/>; <paramref name="options"/>
    /// (default <see cref="ConvolutionOptions.Default"/>) says which convolution paths its passes may take.
    /// </summary>
    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, bool bias = true, SplitMix? rng = null,
        ConvolutionOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kernelSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stride);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        InChannels = inChannels; OutChannels = outChannels; KernelSize = kernelSize; Stride = stride; Padding = padding;
        Options = options ?? ConvolutionOptions.Default;
        Weight = new Parameter<T>("weight", outChannels, inChannels, kernelSize, kernelSize);
        Bias = bias ? new Parameter<T>("bias", outChannels) { DecayWeights = false } : null;
        rng ??= new SplitMix(0);
        int fanIn = inChannels * kernelSize * kernelSize;
        Init.PyTorchDefault(Weight.Value.Span, fanIn, rng);
        if (Bias is not null) Init.PyTorchDefault(Bias.Value.Span, fanIn, rng);
        _core = new ConvolutionCore<T>(this);
    }

    /// <summary>Input channels.</summary>
    public int InChannels { get; }
    /// <summary>Output channels (filters).</summary>
    public int OutChannels { get; }
    /// <summary>Side of the square kernel.</summary>
    public int KernelSize { get; }
    /// <summary>Step between output pixels.</summary>
    public int Stride { get; }
    /// <summary>Zero padding on each side.</summary>
    public int Padding { get; }

    /// <summary>Which convolution paths this layer's passes (and those of a fused layer built on it) may take.</summary>
    public ConvolutionOptions Options { get; }

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
        var g = _core.Begin(input);
        _output = Tensor<T>.Reuse(_output, g.Batch, OutChannels, g.OutHeight, g.OutWidth);
        _core.Forward(_output, Training, relu: false);
        return _output;
    }

    /// <inheritdoc/>
    public override Tensor<T>? Backward(Tensor<T> outputGrad)
    {
        var input = _core.Input;
        _core.BackwardWeights(outputGrad);
        if (!NeedsInputGradient) return null;
        _inputGrad = Tensor<T>.Reuse(_inputGrad, input.Shape);
        _core.BackwardData(outputGrad, _inputGrad);
        return _inputGrad;
    }

    /// <summary>The geometry of a batch of <paramref name="batch"/> items of shape <paramref name="itemShape"/>.</summary>
    internal Conv2dGeometry Geometry(int batch, int[] itemShape)
    {
        if (itemShape.Length != 3 || itemShape[0] != InChannels)
            throw new ArgumentException($"{Name}: Conv2d expects [N,{InChannels},H,W] input, got item shape [{string.Join(',', itemShape)}].");
        var g = new Conv2dGeometry(batch, InChannels, itemShape[1], itemShape[2], OutChannels, KernelSize, Stride, Padding);
        g.Validate();
        return g;
    }
}
