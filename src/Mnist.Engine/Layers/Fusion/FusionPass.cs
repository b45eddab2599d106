using System.Numerics;

namespace Mnist.Engine.Layers.Fusion;

/// <summary>
/// Rewrites a list of layers into one where runs of neighbours that have a fused form are replaced by it, left to right:
/// <list type="table">
/// <item><term>Conv2d, ReLU, MaxPool2d</term><description><see cref="ConvReluMaxPool{T}"/></description></item>
/// <item><term>Conv2d, ReLU</term><description><see cref="ConvRelu{T}"/></description></item>
/// <item><term>BatchNorm, ReLU, MaxPool2d</term><description><see cref="BatchNormReluMaxPool{T}"/></description></item>
/// <item><term>BatchNorm, ReLU</term><description><see cref="BatchNormRelu{T}"/></description></item>
/// <item><term>ReLU, MaxPool2d</term><description><see cref="ReluMaxPool{T}"/></description></item>
/// </list>
/// Every other layer is kept as it is. The fused layers hold the original layers as their <see cref="FusedLayer{T}.Parts"/>
/// (same objects, so the same parameters in the same order) and give the results of the parts run one after another: bit
/// for bit, except where a <see cref="ConvReluMaxPool{T}"/> computes its gradients from the pooled gradient, which sums
/// the same terms in another order.
/// <see cref="Sequential{T}"/> applies it once, at construction, after naming the layers and packing their parameters.
/// </summary>
public static class FusionPass
{
    /// <summary>The fused form of <paramref name="layers"/> (named layers, in order). The first layer's
    /// <see cref="Layer{T}.NeedsInputGradient"/> carries over to the layer that replaces it.</summary>
    public static IReadOnlyList<Layer<T>> Apply<T>(IReadOnlyList<Layer<T>> layers) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(layers);
        var fused = new List<Layer<T>>(layers.Count);
        for (int i = 0; i < layers.Count;)
        {
            var layer = layers[i];
            var next = i + 1 < layers.Count ? layers[i + 1] : null;
            var third = i + 2 < layers.Count ? layers[i + 2] : null;
            FusedLayer<T>? replacement = (layer, next, third) switch
            {
                (Conv2d<T> c, ReLU<T> r, MaxPool2d<T> p) => new ConvReluMaxPool<T>(c, r, p),
                (Conv2d<T> c, ReLU<T> r, _) => new ConvRelu<T>(c, r),
                (BatchNorm<T> n, ReLU<T> r, MaxPool2d<T> p) => new BatchNormReluMaxPool<T>(n, r, p),
                (BatchNorm<T> n, ReLU<T> r, _) => new BatchNormRelu<T>(n, r),
                (ReLU<T> r, MaxPool2d<T> p, _) => new ReluMaxPool<T>(r, p),
                _ => null,
            };
            fused.Add(replacement ?? layer);
            i += replacement?.Parts.Count ?? 1;
        }
        return fused;
    }
}
