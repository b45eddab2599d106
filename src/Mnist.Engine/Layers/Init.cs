using System.Numerics;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Layers;

/// <summary>Weight initializers.</summary>
public static class Init
{
    /// <summary>
    /// PyTorch's default for Conv2d and Linear (kaiming_uniform with a=√5): weights and biases
    /// ~ U(−1/√fan_in, 1/√fan_in).
    /// </summary>
    public static void PyTorchDefault<T>(Span<T> values, int fanIn, SplitMix rng) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double bound = 1.0 / Math.Sqrt(fanIn);
        for (int i = 0; i < values.Length; i++) values[i] = T.CreateTruncating((rng.NextDouble() * 2 - 1) * bound);
    }
}
