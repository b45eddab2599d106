using System.Numerics;
using Mnist.Engine.Layers;

namespace Mnist.Engine.Training;

/// <summary>
/// An exponential moving average of a model's weights (and BatchNorm running statistics), taken after every optimizer
/// step: avg ← d·avg + (1−d)·w, with d = min(<see cref="Decay"/>, (1+t)/(10+t)) at step t so that the first steps,
/// far from the final weights, fade quickly. Evaluating and shipping the average instead of the last weights removes
/// most of the step-to-step noise of the final epochs, which is what makes one seed land higher than another.
/// </summary>
public sealed class WeightAverage
{
    /// <summary>The checkpoint array name prefix of the averaged values.</summary>
    public const string ArrayPrefix = "average.";

    private readonly Sequential<float> _model;
    private readonly float[] _values;
    private readonly (BatchNorm<float> Layer, float[] Mean, float[] Variance)[] _norms;

    /// <summary>Starts the average at <paramref name="model"/>'s current weights.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Decay outside (0, 1).</exception>
    public WeightAverage(Sequential<float> model, double decay)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!(decay > 0 && decay < 1)) throw new ArgumentOutOfRangeException(nameof(decay), decay, "The decay must be in (0, 1).");
        _model = model;
        Decay = decay;
        _values = (float[])model.Parameters.Values.Clone();
        _norms = model.UnfusedLayers.OfType<BatchNorm<float>>()
            .Select(bn => (bn, (float[])bn.RunningMean.Clone(), (float[])bn.RunningVar.Clone())).ToArray();
    }

    /// <summary>The largest decay per step.</summary>
    public double Decay { get; }

    /// <summary>Folds the model's current weights in, after optimizer step <paramref name="step"/> (1 for the first).</summary>
    public void Update(long step)
    {
        float keep = (float)Math.Min(Decay, (1.0 + step) / (10.0 + step));
        Blend(_values, _model.Parameters.Values, keep);
        foreach (var (layer, mean, variance) in _norms)
        {
            Blend(mean, layer.RunningMean, keep);
            Blend(variance, layer.RunningVar, keep);
        }
    }

    /// <summary>Writes the averaged weights and statistics into <paramref name="target"/> (a model of the same architecture).</summary>
    /// <exception cref="ArgumentException">The target's parameters or BatchNorm layers differ in size.</exception>
    public void CopyTo(Sequential<float> target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var values = target.Parameters.Values;
        var norms = target.UnfusedLayers.OfType<BatchNorm<float>>().ToArray();
        if (values.Length != _values.Length || norms.Length != _norms.Length)
            throw new ArgumentException("The target model is not of the averaged model's architecture.", nameof(target));
        _values.CopyTo(values, 0);
        for (int i = 0; i < norms.Length; i++)
        {
            _norms[i].Mean.CopyTo(norms[i].RunningMean, 0);
            _norms[i].Variance.CopyTo(norms[i].RunningVar, 0);
        }
    }

    /// <summary>The state a resume checkpoint keeps: name → values.</summary>
    public IEnumerable<(string Name, float[] Data)> Export()
    {
        yield return (ArrayPrefix + "parameters", (float[])_values.Clone());
        foreach (var (layer, mean, variance) in _norms)
        {
            yield return (ArrayPrefix + layer.Name + ".running_mean", (float[])mean.Clone());
            yield return (ArrayPrefix + layer.Name + ".running_var", (float[])variance.Clone());
        }
    }

    /// <summary>Restores the state of <see cref="Export"/>.</summary>
    /// <exception cref="InvalidDataException">A name is missing or a size differs.</exception>
    public void Import(IReadOnlyDictionary<string, float[]> arrays)
    {
        ArgumentNullException.ThrowIfNull(arrays);
        Take(ArrayPrefix + "parameters", _values);
        foreach (var (layer, mean, variance) in _norms)
        {
            Take(ArrayPrefix + layer.Name + ".running_mean", mean);
            Take(ArrayPrefix + layer.Name + ".running_var", variance);
        }

        void Take(string name, float[] destination)
        {
            if (!arrays.TryGetValue(name, out var source) || source.Length != destination.Length)
                throw new InvalidDataException($"The checkpoint's weight average has no {name} of {destination.Length} values.");
            source.CopyTo(destination, 0);
        }
    }

    /// <summary>avg ← keep·avg + (1−keep)·current, written as avg + (1−keep)·(current − avg).</summary>
    internal static void Blend(Span<float> average, ReadOnlySpan<float> current, float keep)
    {
        float take = 1f - keep;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var t = new Vector<float>(take);
            for (; i <= average.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var a = new Vector<float>(average[i..]);
                (a + t * (new Vector<float>(current[i..]) - a)).CopyTo(average[i..]);
            }
        }
        for (; i < average.Length; i++) average[i] += take * (current[i] - average[i]);
    }
}
