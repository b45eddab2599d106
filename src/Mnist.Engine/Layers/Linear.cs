using System.Numerics;
using Mnist.Engine.Kernels;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Layers;

/// <summary>Fully connected layer, as torch.nn.Linear: y [N,out] = x [N,in] · Wᵀ + b, W [out,in], b [out].</summary>
public sealed class Linear<T> : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T>? _input, _output, _inputGrad;

    /// <summary>Creates the layer with PyTorch's default initialization drawn from <paramref name="rng"/>.</summary>
    public Linear(int inFeatures, int outFeatures, bool bias = true, SplitMix? rng = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inFeatures);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outFeatures);
        InFeatures = inFeatures; OutFeatures = outFeatures;
        Weight = new Parameter<T>("weight", outFeatures, inFeatures);
        Bias = bias ? new Parameter<T>("bias", outFeatures) { DecayWeights = false } : null;
        rng ??= new SplitMix(0);
        Init.PyTorchDefault(Weight.Value.Span, inFeatures, rng);
        if (Bias is not null) Init.PyTorchDefault(Bias.Value.Span, inFeatures, rng);
    }

    /// <summary>Input features per item.</summary>
    public int InFeatures { get; }
    /// <summary>Output features per item.</summary>
    public int OutFeatures { get; }

    /// <summary>[out,in].</summary>
    public Parameter<T> Weight { get; }

    /// <summary>[out], or null without bias.</summary>
    public Parameter<T>? Bias { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter<T>> Parameters => Bias is null ? [Weight] : [Weight, Bias];

    /// <inheritdoc/>
    public override int[] OutputItemShape(int[] inputItemShape)
    {
        CheckItem(inputItemShape);
        return [OutFeatures];
    }

    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input)
    {
        CheckItem(input.Shape[1..]);
        int n = input.Dim(0);
        _input = input;
        _output = Tensor<T>.Reuse(_output, n, OutFeatures);
        if (n == 1 && typeof(T) == typeof(float))
        {
            // One sample reads each weight once: a matrix-vector product bound by reading W, bias added in the same pass.
            Gemv.Multiply(OutFeatures, InFeatures, ((ReadOnlyMemory<float>)(object)(ReadOnlyMemory<T>)Weight.Value).Span,
                (float[])(object)input.Data, Bias is null ? default : ((ReadOnlyMemory<float>)(object)(ReadOnlyMemory<T>)Bias.Value).Span,
                (float[])(object)_output.Data);
            return _output;
        }
        Gemm.MultiplyParallel<T>(false, true, n, OutFeatures, InFeatures, input.Span, InFeatures, Weight.Value.Span, InFeatures, _output.Span, OutFeatures, false);
        if (Bias is not null) Elementwise.AddRowBias<T>(_output.Span, Bias.Value.Span, n, OutFeatures);
        return _output;
    }

    /// <inheritdoc/>
    public override Tensor<T>? Backward(Tensor<T> outputGrad)
    {
        if (_input is null) throw new InvalidOperationException("Backward called before Forward.");
        int n = _input.Dim(0);
        // dW[out,in] += dyᵀ[out,N] · x[N,in]
        Gemm.MultiplyParallel<T>(true, false, OutFeatures, InFeatures, n, outputGrad.Span, OutFeatures, _input.Span, InFeatures, Weight.Grad.Span, InFeatures, true);
        if (Bias is not null) Elementwise.AccumulateColumnSums<T>(outputGrad.Span, Bias.Grad.Span, n, OutFeatures);
        if (!NeedsInputGradient) return null;
        _inputGrad = Tensor<T>.Reuse(_inputGrad, _input.Shape);
        // dx[N,in] = dy[N,out] · W[out,in]
        Gemm.MultiplyParallel<T>(false, false, n, InFeatures, OutFeatures, outputGrad.Span, OutFeatures, Weight.Value.Span, InFeatures, _inputGrad.Span, InFeatures, false);
        return _inputGrad;
    }

    private void CheckItem(int[] itemShape)
    {
        if (itemShape.Length != 1 || itemShape[0] != InFeatures)
            throw new ArgumentException($"{Name}: Linear expects [N,{InFeatures}] input, got item shape [{string.Join(',', itemShape)}].");
    }
}
