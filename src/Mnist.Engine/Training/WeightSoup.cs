using Mnist.Engine.Layers;

namespace Mnist.Engine.Training;

/// <summary>
/// A uniform weight soup: one network whose parameters and BatchNorm running statistics are the mean of several
/// networks'. It costs what one network costs to run. Averaging only works for networks that lie in one basin of the
/// loss, which branches of one run do (the same weights up to a point, then each with its own data order and
/// augmentation); networks trained from different initial weights average to noise.
/// </summary>
public static class WeightSoup
{
    /// <summary>
    /// Writes into <paramref name="target"/> the mean of <paramref name="models"/>' parameters and BatchNorm running
    /// statistics, summed in the order given (each value divided by the count first), so the result is reproducible
    /// bit for bit.
    /// </summary>
    /// <exception cref="ArgumentException">No models, or a model (or the target) of another architecture.</exception>
    public static void Average(IReadOnlyList<Sequential<float>> models, Sequential<float> target)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(target);
        if (models.Count == 0) throw new ArgumentException("A soup needs at least one model.", nameof(models));
        var values = target.Parameters.Values;
        var norms = target.UnfusedLayers.OfType<BatchNorm<float>>().ToArray();
        var sources = models.Select((m, i) =>
        {
            ArgumentNullException.ThrowIfNull(m, nameof(models));
            var n = m.UnfusedLayers.OfType<BatchNorm<float>>().ToArray();
            if (m.Parameters.Values.Length != values.Length || n.Length != norms.Length
                || n.Zip(norms).Any(p => p.First.Channels != p.Second.Channels))
                throw new ArgumentException($"Model {i + 1} of the soup is not of the target's architecture.", nameof(models));
            return (Values: m.Parameters.Values, Norms: n);
        }).ToArray();

        float count = models.Count;
        var sum = new float[values.Length];
        foreach (var s in sources) Accumulate(sum, s.Values, count);
        sum.CopyTo(values, 0);
        for (int b = 0; b < norms.Length; b++)
        {
            var mean = new float[norms[b].Channels];
            var variance = new float[norms[b].Channels];
            foreach (var s in sources)
            {
                Accumulate(mean, s.Norms[b].RunningMean, count);
                Accumulate(variance, s.Norms[b].RunningVar, count);
            }
            mean.CopyTo(norms[b].RunningMean, 0);
            variance.CopyTo(norms[b].RunningVar, 0);
        }
    }

    private static void Accumulate(float[] sum, ReadOnlySpan<float> values, float count)
    {
        for (int k = 0; k < sum.Length; k++) sum[k] += values[k] / count;
    }
}
