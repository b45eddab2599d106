using Mnist.Engine.Data.Augmentation;

namespace Mnist.Engine.Data;

/// <summary>How a <see cref="BatchLoader"/> orders, augments and hands out samples.</summary>
public sealed record BatchLoaderOptions
{
    /// <summary>Samples per batch.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Shuffle every epoch (order derived from <see cref="Seed"/> and the epoch number).</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Skip the last batch of an epoch when it would be smaller than <see cref="BatchSize"/>.</summary>
    public bool DropLast { get; init; }

    /// <summary>Seed for the shuffle and the augmentation.</summary>
    public ulong Seed { get; init; }

    /// <summary>Augmentation ranges (<see cref="AugmentationOptions.None"/> = plain pixel/255).</summary>
    public AugmentationOptions Augmentation { get; init; } = AugmentationOptions.None;

    /// <summary>Threads that produce a batch (augmentation is the costly part). Results do not depend on it.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Batches prepared ahead of the consumer (at least 1).</summary>
    public int Prefetch { get; init; } = 1;

    /// <summary>Options for evaluation: fixed order, no augmentation, keep the last partial batch.</summary>
    public static BatchLoaderOptions Evaluation(int batchSize = 1000) =>
        new() { BatchSize = batchSize, Shuffle = false, DropLast = false, Augmentation = AugmentationOptions.None, Threads = 1 };
}
