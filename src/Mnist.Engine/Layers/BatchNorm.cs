using System.Numerics;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Mnist.Engine.Kernels;
using Mnist.Engine.Kernels.Common;
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
    // Below this many elements per thread the hand-off costs more than it saves.
    private const int MinElementsPerChunk = 16 * 1024;
    private Tensor<T>? _input, _output, _inputGrad;
    private T[] _mean = [];
    private T[] _rstd = [];

    /// <summary>Batch normalization of <paramref name="channels"/> channels: scale 1, shift 0, running mean 0 and variance 1 to start; <paramref name="eps"/> is added to the variance, <paramref name="momentum"/> is the running statistics' update weight (PyTorch's convention).</summary>
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

    /// <summary>Number of channels normalized.</summary>
    public int Channels { get; }
    /// <summary>Added to the variance before the square root.</summary>
    public double Eps { get; }
    /// <summary>Weight of a batch's statistics in the running ones (new = (1 − m)·old + m·batch).</summary>
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
    public override Tensor<T> Forward(Tensor<T> input) => Forward(input, rectify: false);

    /// <summary>
    /// The forward pass, its output rectified (max(y, 0)) while each plane is still in cache when <paramref name="rectify"/>
    /// (for <see cref="Fusion.BatchNormRelu{T}"/>). <see cref="Backward"/> is the normalization's alone either way.
    /// </summary>
    internal Tensor<T> Forward(Tensor<T> input, bool rectify)
    {
        OutputItemShape(input.Shape[1..]);
        int n = input.Dim(0), c = Channels, s = input.ItemLength / c;
        _input = input;
        _output = Tensor<T>.Reuse(_output, input.Shape);
        if (_rstd.Length != c) { _rstd = new T[c]; _mean = new T[c]; }
        var x = input.Data;
        var y = _output.Data;
        // Channels are independent and each is summed in one fixed order, so splitting them over threads
        // changes nothing in the result; a channel's planes (N·H·W floats) stay in that thread's cache across passes.
        Parallelism.ForChunks(c, (_, c0, c1) =>
        {
            for (int ch = c0; ch < c1; ch++) ForwardChannel(ch, n, c, s, x, y, rectify);
        }, minItemsPerChunk: Math.Max(1, MinElementsPerChunk / Math.Max(1, n * s)));
        return _output;
    }

    private void ForwardChannel(int ch, int n, int c, int s, T[] xa, T[] ya, bool rectify)
    {
        var x = xa.AsSpan();
        var y = ya.AsSpan();
        double mean, variance;
        long count = (long)n * s;
        if (Training)
        {
            // Per-plane vector sums, accumulated in double: Σx then Σ(x − mean)² (two passes, no cancellation).
            double sum = 0;
            for (int i = 0; i < n; i++) sum += double.CreateTruncating(TensorPrimitives.Sum<T>(x.Slice((i * c + ch) * s, s)));
            mean = sum / count;
            T meanT = T.CreateTruncating(mean);
            double sq = 0;
            for (int i = 0; i < n; i++) sq += double.CreateTruncating(SumOfSquaredDeviations(x.Slice((i * c + ch) * s, s), meanT));
            variance = sq / count;
            double unbiased = count > 1 ? sq / (count - 1) : variance;
            double m = Momentum;
            RunningMean[ch] = T.CreateTruncating((1 - m) * double.CreateTruncating(RunningMean[ch]) + m * mean);
            RunningVar[ch] = T.CreateTruncating((1 - m) * double.CreateTruncating(RunningVar[ch]) + m * unbiased);
        }
        else
        {
            mean = double.CreateTruncating(RunningMean[ch]);
            variance = double.CreateTruncating(RunningVar[ch]);
        }
        double rstd = 1.0 / Math.Sqrt(variance + Eps);
        _mean[ch] = T.CreateTruncating(mean);
        _rstd[ch] = T.CreateTruncating(rstd);
        // y = x·scale + shift with scale = γ·rstd, shift = β − mean·scale.
        T scale = Weight.Value.Span[ch] * _rstd[ch];
        T shift = Bias.Value.Span[ch] - _mean[ch] * scale;
        for (int i = 0; i < n; i++)
        {
            var yi = y.Slice((i * c + ch) * s, s);
            TensorPrimitives.Multiply<T>(x.Slice((i * c + ch) * s, s), scale, yi);
            TensorPrimitives.Add<T>(yi, shift, yi);
            if (rectify) Elementwise.Relu<T>(yi, yi);
        }
    }

    /// <inheritdoc/>
    public override Tensor<T>? Backward(Tensor<T> outputGrad)
    {
        if (_output is null || _input is null) throw new InvalidOperationException("Backward called before Forward.");
        int n = _output.Dim(0), c = Channels, s = _output.ItemLength / c;
        if (NeedsInputGradient) _inputGrad = Tensor<T>.Reuse(_inputGrad, _output.Shape);
        var dy = outputGrad.Data;
        var x = _input.Data;
        var dx = NeedsInputGradient ? _inputGrad!.Data : null;
        Parallelism.ForChunks(c, (_, c0, c1) =>
        {
            for (int ch = c0; ch < c1; ch++) BackwardChannel(ch, n, c, s, dy, x, dx);
        }, minItemsPerChunk: Math.Max(1, MinElementsPerChunk / Math.Max(1, n * s)));
        return NeedsInputGradient ? _inputGrad : null;
    }

    private void BackwardChannel(int ch, int n, int c, int s, T[] dya, T[] xa, T[]? dxa)
    {
        var dy = dya.AsSpan();
        var x = xa.AsSpan();
        double count = (double)n * s;
        // x̂ = (x − mean)·rstd, so Σ dy·x̂ = rstd·(Σ dy·x − mean·Σ dy).
        double sumDy = 0, sumDyX = 0;
        for (int i = 0; i < n; i++)
        {
            int o = (i * c + ch) * s;
            sumDy += double.CreateTruncating(TensorPrimitives.Sum<T>(dy.Slice(o, s)));
            sumDyX += double.CreateTruncating(TensorPrimitives.Dot<T>(dy.Slice(o, s), x.Slice(o, s)));
        }
        double mean = double.CreateTruncating(_mean[ch]), rstd = double.CreateTruncating(_rstd[ch]);
        double sumDyXh = rstd * (sumDyX - mean * sumDy);
        Weight.Grad.Span[ch] += T.CreateTruncating(sumDyXh);
        Bias.Grad.Span[ch] += T.CreateTruncating(sumDy);
        if (dxa is null) return;
        var dx = dxa.AsSpan();
        double g = double.CreateTruncating(Weight.Value.Span[ch]);
        // Training: dx = γ·rstd·(dy − Σdy/M − x̂·Σ(dy·x̂)/M) = a·dy + b·x + k; inference: dx = γ·rstd·dy.
        double a = g * rstd;
        double b = Training ? -g * rstd * rstd * sumDyXh / count : 0;
        double k = Training ? -g * rstd * sumDy / count - b * mean : 0;
        T aT = T.CreateTruncating(a), bT = T.CreateTruncating(b), kT = T.CreateTruncating(k);
        for (int i = 0; i < n; i++)
        {
            int o = (i * c + ch) * s;
            var d = dx.Slice(o, s);
            TensorPrimitives.Multiply<T>(x.Slice(o, s), bT, d);
            TensorPrimitives.Add<T>(d, kT, d);
            TensorPrimitives.MultiplyAdd<T>(dy.Slice(o, s), aT, d, d);
        }
    }

    private static T SumOfSquaredDeviations(ReadOnlySpan<T> x, T mean)
    {
        T total = T.Zero;
        Span<T> buffer = stackalloc T[256];
        for (int i = 0; i < x.Length; i += buffer.Length)
        {
            var chunk = x.Slice(i, Math.Min(buffer.Length, x.Length - i));
            var tmp = buffer[..chunk.Length];
            TensorPrimitives.Subtract<T>(chunk, mean, tmp);
            total += TensorPrimitives.SumOfSquares<T>(tmp);
        }
        return total;
    }
}
