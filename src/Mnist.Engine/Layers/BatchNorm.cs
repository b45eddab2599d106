using System.Numerics;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Layers;

/// <summary>
/// Batch normalization over the channel axis of [N,C,H,W] (torch.nn.BatchNorm2d) or [N,C]
/// (BatchNorm1d): y = γ·(x − μ)/√(σ² + ε) + β. In training μ and σ² are the batch's (σ² biased)
/// and the running estimates are updated with <see cref="Momentum"/> (running σ² from the unbiased
/// batch variance, as PyTorch); in inference the running estimates are used.
/// </summary>
public sealed class BatchNorm<T> : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T>? _output, _inputGrad;
    private T[] _normalized = [];
    private T[] _rstd = [];

    public BatchNorm(int channels, double eps = 1e-5, double momentum = 0.1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        if (eps <= 0) throw new ArgumentOutOfRangeException(nameof(eps));
        if (momentum is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(momentum));
        Channels = channels; Eps = eps; Momentum = momentum;
        Weight = new Parameter<T>("weight", channels) { DecayWeights = false };
        Bias = new Parameter<T>("bias", channels) { DecayWeights = false };
        Weight.Value.Span.Fill(T.One);
        RunningMean = new T[channels];
        RunningVar = new T[channels];
        Array.Fill(RunningVar, T.One);
    }

    public int Channels { get; }
    public double Eps { get; }
    public double Momentum { get; }

    /// <summary>γ [C].</summary>
    public Parameter<T> Weight { get; }

    /// <summary>β [C].</summary>
    public Parameter<T> Bias { get; }

    /// <summary>Running mean [C] (a buffer, not trained by gradient).</summary>
    public T[] RunningMean { get; }

    /// <summary>Running variance [C].</summary>
    public T[] RunningVar { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter<T>> Parameters => [Weight, Bias];

    /// <inheritdoc/>
    public override int[] OutputItemShape(int[] inputItemShape)
    {
        if (inputItemShape.Length is not (1 or 3) || inputItemShape[0] != Channels)
            throw new ArgumentException($"{Name}: BatchNorm expects [N,{Channels}] or [N,{Channels},H,W] input.");
        return (int[])inputItemShape.Clone();
    }

    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input)
    {
        OutputItemShape(input.Shape[1..]);
        int n = input.Dim(0), c = Channels, s = input.ItemLength / c;
        _output = Tensor<T>.Reuse(_output, input.Shape);
        if (_normalized.Length != input.Length) _normalized = new T[input.Length];
        if (_rstd.Length != c) _rstd = new T[c];
        var x = input.Span;
        var y = _output.Span;
        var gamma = Weight.Value.Span;
        var beta = Bias.Value.Span;
        T eps = T.CreateTruncating(Eps), m = T.CreateTruncating(Momentum);
        int count = n * s;
        for (int ch = 0; ch < c; ch++)
        {
            T mean, variance;
            if (Training)
            {
                T sum = T.Zero;
                for (int i = 0; i < n; i++)
                    foreach (var v in x.Slice((i * c + ch) * s, s)) sum += v;
                mean = sum / T.CreateTruncating(count);
                T sq = T.Zero;
                for (int i = 0; i < n; i++)
                    foreach (var v in x.Slice((i * c + ch) * s, s)) sq += (v - mean) * (v - mean);
                variance = sq / T.CreateTruncating(count);
                T unbiased = count > 1 ? sq / T.CreateTruncating(count - 1) : variance;
                RunningMean[ch] = (T.One - m) * RunningMean[ch] + m * mean;
                RunningVar[ch] = (T.One - m) * RunningVar[ch] + m * unbiased;
            }
            else
            {
                mean = RunningMean[ch];
                variance = RunningVar[ch];
            }
            T rstd = T.One / T.Sqrt(variance + eps);
            _rstd[ch] = rstd;
            for (int i = 0; i < n; i++)
            {
                int o = (i * c + ch) * s;
                for (int j = 0; j < s; j++)
                {
                    T xh = (x[o + j] - mean) * rstd;
                    _normalized[o + j] = xh;
                    y[o + j] = gamma[ch] * xh + beta[ch];
                }
            }
        }
        return _output;
    }

    /// <inheritdoc/>
    public override Tensor<T>? Backward(Tensor<T> outputGrad)
    {
        if (_output is null) throw new InvalidOperationException("Backward called before Forward.");
        int n = _output.Dim(0), c = Channels, s = _output.ItemLength / c;
        var dy = outputGrad.Span;
        var gamma = Weight.Value.Span;
        var dGamma = Weight.Grad.Span;
        var dBeta = Bias.Grad.Span;
        if (NeedsInputGradient) _inputGrad = Tensor<T>.Reuse(_inputGrad, _output.Shape);
        T count = T.CreateTruncating(n * s);
        for (int ch = 0; ch < c; ch++)
        {
            T sumDy = T.Zero, sumDyXh = T.Zero;
            for (int i = 0; i < n; i++)
            {
                int o = (i * c + ch) * s;
                for (int j = 0; j < s; j++)
                {
                    sumDy += dy[o + j];
                    sumDyXh += dy[o + j] * _normalized[o + j];
                }
            }
            dGamma[ch] += sumDyXh;
            dBeta[ch] += sumDy;
            if (_inputGrad is null || !NeedsInputGradient) continue;
            var dx = _inputGrad.Span;
            T k = gamma[ch] * _rstd[ch];
            for (int i = 0; i < n; i++)
            {
                int o = (i * c + ch) * s;
                for (int j = 0; j < s; j++)
                {
                    // Batch statistics depend on x, hence the two mean terms; running statistics do not.
                    dx[o + j] = Training
                        ? k * (dy[o + j] - sumDy / count - _normalized[o + j] * sumDyXh / count)
                        : k * dy[o + j];
                }
            }
        }
        return NeedsInputGradient ? _inputGrad : null;
    }
}
