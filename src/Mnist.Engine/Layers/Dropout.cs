using System.Numerics;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Layers;

/// <summary>
/// Inverted dropout, as torch.nn.Dropout: in training each element is zeroed with probability p and
/// the rest scaled by 1/(1−p); identity in inference. Masks come from a seeded generator.
/// </summary>
public sealed class Dropout<T> : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly SplitMix _rng;
    private Tensor<T>? _output, _inputGrad;
    private T[] _mask = [];

    /// <summary>Zeroes each value with probability <paramref name="p"/> in training and scales the rest by 1/(1 − p); the identity in inference. <paramref name="rng"/> draws the masks (a fixed seed when null).</summary>
    public Dropout(double p = 0.5, SplitMix? rng = null)
    {
        if (p is < 0 or >= 1 || double.IsNaN(p)) throw new ArgumentOutOfRangeException(nameof(p), "Dropout probability must be in [0, 1).");
        P = p;
        _rng = rng ?? new SplitMix(0);
    }

    /// <summary>Probability of zeroing an element.</summary>
    public double P { get; }

    /// <summary>The mask generator (checkpoints save and restore its state).</summary>
    internal SplitMix Random => _rng;

    /// <summary>Keeps the last mask instead of drawing a new one (finite-difference gradient checks need a fixed function).</summary>
    internal bool FreezeMask { get; set; }

    /// <inheritdoc/>
    public override int[] OutputItemShape(int[] inputItemShape) => (int[])inputItemShape.Clone();

    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input)
    {
        if (!Training || P == 0) return input;
        _output = Tensor<T>.Reuse(_output, input.Shape);
        bool draw = !FreezeMask || _mask.Length != input.Length;
        if (_mask.Length != input.Length) _mask = new T[input.Length];
        T scale = T.CreateTruncating(1.0 / (1.0 - P));
        float keep = (float)(1.0 - P);
        var x = input.Span;
        var y = _output.Span;
        for (int i = 0; i < _mask.Length; i++)
        {
            if (draw) _mask[i] = _rng.NextSingle() < keep ? scale : T.Zero;
            y[i] = x[i] * _mask[i];
        }
        return _output;
    }

    /// <inheritdoc/>
    public override Tensor<T>? Backward(Tensor<T> outputGrad)
    {
        if (!NeedsInputGradient) return null;
        if (!Training || P == 0) return outputGrad;
        _inputGrad = Tensor<T>.Reuse(_inputGrad, outputGrad.Shape);
        var dy = outputGrad.Span;
        var dx = _inputGrad.Span;
        for (int i = 0; i < dx.Length; i++) dx[i] = dy[i] * _mask[i];
        return _inputGrad;
    }
}
