using Mnist.Engine.Preprocessing;

namespace Mnist.Inference;

/// <summary>One classifier answer.</summary>
/// <param name="Digit">The most probable digit (lowest index on ties); null only when the model produced no usable
/// (finite, non-negative) probabilities.</param>
/// <param name="Confidence">Probability of <paramref name="Digit"/>; 0 when it is null.</param>
/// <param name="Probabilities">The 10 class probabilities.</param>
/// <param name="IsConfident">False when <see cref="PredictionQuality"/> calls the answer ambiguous (low top-1 probability
/// or a close runner-up).</param>
public sealed record DigitPrediction(int? Digit, float Confidence, float[] Probabilities, bool IsConfident)
{
    /// <summary>Builds a prediction from a probability row (copied).</summary>
    public static DigitPrediction FromProbabilities(ReadOnlySpan<float> probabilities)
    {
        float[] copy = probabilities.ToArray();
        foreach (float p in copy)
        {
            if (!float.IsFinite(p) || p < 0f) return new DigitPrediction(null, 0f, copy, false);
        }
        PredictionAssessment a = PredictionQuality.Assess(copy);
        return new DigitPrediction(a.Digit, a.Confidence, copy, a.IsConfident);
    }
}
