using Mnist.Engine.Kernels;

namespace Mnist.Inference;

/// <summary>Shared argument checks and output handling of the classifiers.</summary>
internal static class ClassifierMath
{
    public const int Pixels = 784;
    public const int Classes = 10;

    /// <summary>Largest |row sum − 1| still read as a probability row (float32 softmax of 10 values is within ~1e-6).</summary>
    public const float SumTolerance = 1e-3f;

    public static void CheckBatch(ReadOnlySpan<float> pixels, int count, Span<float> probabilities)
    {
        if (count < 0) throw new ArgumentException($"Count must be ≥ 0; got {count}.", nameof(count));
        if (pixels.Length < (long)count * Pixels)
            throw new ArgumentException($"{count} images need {(long)count * Pixels} pixel values; got {pixels.Length}.", nameof(pixels));
        if (probabilities.Length < (long)count * Classes)
            throw new ArgumentException($"{count} images need room for {(long)count * Classes} probabilities; got {probabilities.Length}.", nameof(probabilities));
    }

    public static DigitPrediction ClassifyOne(IDigitClassifier classifier, float[] pixels784)
    {
        ArgumentNullException.ThrowIfNull(pixels784);
        if (pixels784.Length != Pixels)
            throw new ArgumentException($"Expected {Pixels} pixel values (28×28); got {pixels784.Length}.", nameof(pixels784));
        Span<float> probs = stackalloc float[Classes];
        classifier.ClassifyBatch(pixels784, 1, probs);
        return DigitPrediction.FromProbabilities(probs);
    }

    /// <summary>In-place softmax of each of <paramref name="rows"/> rows of 10.</summary>
    public static void SoftmaxInPlace(Span<float> values, int rows)
    {
        if (rows == 0) return;
        Span<float> m = values[..(rows * Classes)];
        Softmax.SoftmaxRows<float>(m, m, rows, Classes);
    }

    /// <summary>True when every row is non-negative and sums to 1 within <see cref="SumTolerance"/>.</summary>
    public static bool LooksLikeProbabilities(ReadOnlySpan<float> values, int rows)
    {
        for (int r = 0; r < rows; r++)
        {
            double sum = 0;
            foreach (float v in values.Slice(r * Classes, Classes))
            {
                if (!(v >= 0f)) return false;
                sum += v;
            }
            if (Math.Abs(sum - 1.0) > SumTolerance) return false;
        }
        return true;
    }

    public static bool AllFinite(ReadOnlySpan<float> values)
    {
        foreach (float v in values) if (!float.IsFinite(v)) return false;
        return true;
    }
}
