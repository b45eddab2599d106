using Mnist.Engine.Data;

namespace Mnist.Engine.Training;

/// <summary>Subsets of a <see cref="MnistDataset"/> for quick runs (<c>mnist train --limit N</c>) and tests.</summary>
public static class DatasetExtensions
{
    /// <summary>The first <paramref name="count"/> samples (all of them when <paramref name="count"/> is not smaller). MNIST's
    /// files are not sorted by class, so a prefix is close to class-balanced.</summary>
    public static MnistDataset Take(this MnistDataset data, int count)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (count >= data.Count) return data;
        return new MnistDataset(
            data.Images.AsSpan(0, count * data.PixelsPerImage).ToArray(), data.Labels.AsSpan(0, count).ToArray(),
            data.Rows, data.Cols, data.Source);
    }
}
