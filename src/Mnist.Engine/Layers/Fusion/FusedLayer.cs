using System.Numerics;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Layers.Fusion;

/// <summary>
/// A layer that runs several neighbouring layers (its <see cref="Parts"/>, in order) as one, with a forward and backward
/// pass of its own that skips work the parts would do one after another. <see cref="FusionPass"/> makes them.
/// The parts keep their names and own the parameters (same objects, same order), so parameter names, checkpoints and
/// exports (which read <see cref="Sequential{T}.UnfusedLayers"/>) do not change.
/// </summary>
public abstract class FusedLayer<T> : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Parameter<T>[] _parameters;

    /// <summary>A fused layer running <paramref name="parts"/> in order; its name joins theirs with "+".</summary>
    protected FusedLayer(params Layer<T>[] parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Length < 2) throw new ArgumentException("A fused layer has two parts at least.", nameof(parts));
        Parts = parts;
        _parameters = [.. parts.SelectMany(p => p.Parameters)];
        Name = string.Join('+', parts.Select(p => p.Name));
        base.Training = parts[0].Training;
        base.NeedsInputGradient = parts[0].NeedsInputGradient;
    }

    /// <summary>The layers this one runs, in order (e.g. conv1, relu1, pool1).</summary>
    public IReadOnlyList<Layer<T>> Parts { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter<T>> Parameters => _parameters;

    /// <summary>Training or inference mode, for this layer and every part.</summary>
    public override bool Training
    {
        get => base.Training;
        set
        {
            base.Training = value;
            foreach (var p in Parts) p.Training = value;
        }
    }

    /// <summary>Whether the input gradient is wanted; the first part's is the same, the other parts' are always wanted.</summary>
    public override bool NeedsInputGradient
    {
        get => base.NeedsInputGradient;
        set
        {
            base.NeedsInputGradient = value;
            Parts[0].NeedsInputGradient = value;
        }
    }

    /// <inheritdoc/>
    public override int[] OutputItemShape(int[] inputItemShape)
    {
        var shape = inputItemShape;
        foreach (var p in Parts) shape = p.OutputItemShape(shape);
        return shape;
    }
}
