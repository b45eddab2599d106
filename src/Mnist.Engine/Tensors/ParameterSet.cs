using System.Numerics;

namespace Mnist.Engine.Tensors;

/// <summary>
/// All parameters of a model in one contiguous buffer of values and one of gradients, in declaration order.
/// </summary>
public sealed class ParameterSet<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Packs <paramref name="parameters"/> (copying their current values) into one allocation.</summary>
    public ParameterSet(IReadOnlyList<Parameter<T>> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = parameters;
        int total = 0;
        foreach (var p in parameters) total += p.Length;
        Values = new T[total];
        Grads = new T[total];
        int offset = 0;
        foreach (var p in parameters)
        {
            p.Rebind(Values.AsMemory(offset, p.Length), Grads.AsMemory(offset, p.Length));
            offset += p.Length;
        }
    }

    /// <summary>The parameters, in order.</summary>
    public IReadOnlyList<Parameter<T>> Parameters { get; }

    /// <summary>All values, concatenated.</summary>
    public T[] Values { get; }

    /// <summary>All gradients, concatenated in the same order.</summary>
    public T[] Grads { get; }

    /// <summary>Total number of scalars.</summary>
    public int Count => Values.Length;

    /// <summary>Sets every gradient to zero.</summary>
    public void ZeroGrad()
    {
        // Large models (seed: 1.2 M scalars) clear faster on every core.
        var grads = Grads;
        Kernels.Common.Parallelism.ForChunks(grads.Length, (_, start, end) => Array.Clear(grads, start, end - start), minItemsPerChunk: 256 * 1024);
    }
}
