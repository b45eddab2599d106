using System.Numerics;
using Mnist.Engine.Layers.Fusion;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Layers;

/// <summary>
/// Layers applied in order. Construction names the layers and their parameters ("conv1.weight"),
/// packs all parameters into one <see cref="ParameterSet{T}"/>, checks that the shapes chain from
/// <see cref="InputItemShape"/>, marks the first layer as not needing an input gradient, and (unless
/// <c>fuse</c> is false) runs <see cref="FusionPass"/>: <see cref="Layers"/>, what runs, holds the fused layers,
/// <see cref="UnfusedLayers"/> the layers as given.
/// </summary>
public sealed class Sequential<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>A network of <paramref name="layers"/> (name, layer) applied in order to items of shape <paramref name="inputItemShape"/>; <paramref name="fuse"/> runs <see cref="FusionPass"/> over them.</summary>
    public Sequential(int[] inputItemShape, IEnumerable<(string Name, Layer<T> Layer)> layers, bool fuse = true)
    {
        ArgumentNullException.ThrowIfNull(inputItemShape);
        ArgumentNullException.ThrowIfNull(layers);
        InputItemShape = (int[])inputItemShape.Clone();
        var list = new List<Layer<T>>();
        var parameters = new List<Parameter<T>>();
        var names = new HashSet<string>();
        int[] shape = InputItemShape;
        foreach (var (name, layer) in layers)
        {
            if (!names.Add(name)) throw new ArgumentException($"Duplicate layer name '{name}'.");
            layer.Name = name;
            shape = layer.OutputItemShape(shape);
            foreach (var p in layer.Parameters)
            {
                p.Name = $"{name}.{p.Name}";
                parameters.Add(p);
            }
            list.Add(layer);
        }
        if (list.Count == 0) throw new ArgumentException("A model needs at least one layer.");
        list[0].NeedsInputGradient = false;
        UnfusedLayers = list;
        Layers = fuse ? FusionPass.Apply<T>(list) : list;
        OutputItemShape = shape;
        Parameters = new ParameterSet<T>(parameters);
    }

    /// <summary>Shape of one input item, e.g. [1,28,28].</summary>
    public int[] InputItemShape { get; }

    /// <summary>Shape of one output item, e.g. [10].</summary>
    public int[] OutputItemShape { get; }

    /// <summary>The layers that run, in order: those given, with runs of neighbours replaced by their fused form
    /// (<see cref="FusedLayer{T}"/>, e.g. "conv1+relu1+pool1").</summary>
    public IReadOnlyList<Layer<T>> Layers { get; }

    /// <summary>
    /// The layers as given, in order, before the fusion pass: the network's description, which exporters, checkpoints and
    /// the model card read. The fused layers run these same objects' parameters (and batch-norm statistics).
    /// </summary>
    public IReadOnlyList<Layer<T>> UnfusedLayers { get; }

    /// <summary>All trainable parameters in one buffer.</summary>
    public ParameterSet<T> Parameters { get; }

    /// <summary>Training (dropout, batch statistics) or inference mode for every layer.</summary>
    public bool Training
    {
        get => Layers[0].Training;
        set { foreach (var l in Layers) l.Training = value; }
    }

    /// <summary>Whether the first layer returns an input gradient (off by default; gradient checks turn it on).</summary>
    public bool NeedsInputGradient
    {
        get => Layers[0].NeedsInputGradient;
        set => Layers[0].NeedsInputGradient = value;
    }

    /// <summary>Runs every layer. The result is owned by the last layer and reused by the next call.</summary>
    public Tensor<T> Forward(Tensor<T> input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank != InputItemShape.Length + 1 || !input.Shape.AsSpan(1).SequenceEqual(InputItemShape))
            throw new ArgumentException($"Model expects input [N,{string.Join(',', InputItemShape)}], got [{string.Join(',', input.Shape)}].");
        var x = input;
        foreach (var layer in Layers) x = layer.Forward(x);
        return x;
    }

    /// <summary>Back-propagates dLoss/dOutput through every layer, accumulating parameter gradients.</summary>
    public Tensor<T>? Backward(Tensor<T> outputGrad)
    {
        Tensor<T>? g = outputGrad;
        for (int i = Layers.Count - 1; i >= 0 && g is not null; i--) g = Layers[i].Backward(g);
        return g;
    }

    /// <summary>Number of trainable scalars.</summary>
    public int ParameterCount => Parameters.Count;
}
