using System.Numerics;
using Mnist.Engine.Layers;

namespace Mnist.Engine.Formats;

/// <summary>Cost of one layer for one input item.</summary>
/// <param name="Name">Layer name.</param>
/// <param name="Kind">Layer type name, e.g. <c>Conv2d</c>.</param>
/// <param name="OutputItemShape">Output shape of one item (batch axis excluded).</param>
/// <param name="Parameters">Trainable scalars of the layer.</param>
/// <param name="MultiplyAccumulates">Multiply-accumulates per item (convolutions and fully connected layers; 0 otherwise).</param>
public sealed record LayerStatistics(string Name, string Kind, int[] OutputItemShape, long Parameters, long MultiplyAccumulates);

/// <summary>
/// Parameter and FLOP counts of a <see cref="Sequential{T}"/>, computed from the layer shapes.
/// FLOPs are 2 × the multiply-accumulates of <see cref="Conv2d{T}"/> (Cout·OH·OW·Cin·K²) and
/// <see cref="Linear{T}"/> (in·out) layers, the usual convention; bias adds, activations, pooling,
/// normalization and softmax are not counted (together well under 1% for MNIST CNNs).
/// </summary>
/// <param name="Parameters">Trainable scalars.</param>
/// <param name="FlopsPerItem">FLOPs for one input item (one digit).</param>
/// <param name="Layers">Per-layer breakdown, in order.</param>
public sealed record ModelStatistics(long Parameters, long FlopsPerItem, IReadOnlyList<LayerStatistics> Layers)
{
    /// <summary>Computes the statistics of <paramref name="model"/>.</summary>
    public static ModelStatistics Compute<T>(Sequential<T> model) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        var layers = new List<LayerStatistics>();
        int[] shape = model.InputItemShape;
        long macs = 0;
        foreach (var layer in model.UnfusedLayers)
        {
            int[] output = layer.OutputItemShape(shape);
            long m = layer switch
            {
                Conv2d<T> c => (long)c.OutChannels * output[1] * output[2] * c.InChannels * c.KernelSize * c.KernelSize,
                Linear<T> l => (long)l.InFeatures * l.OutFeatures,
                _ => 0,
            };
            long p = layer.Parameters.Sum(x => (long)x.Length);
            string kind = layer.GetType().Name;
            int tick = kind.IndexOf('`', StringComparison.Ordinal);
            layers.Add(new LayerStatistics(layer.Name, tick < 0 ? kind : kind[..tick], output, p, m));
            macs += m;
            shape = output;
        }

        return new ModelStatistics(model.ParameterCount, 2 * macs, layers);
    }
}
