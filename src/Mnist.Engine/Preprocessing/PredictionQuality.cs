namespace Mnist.Engine.Preprocessing;

/// <summary>
/// A low-confidence flag for classifier outputs: a prediction is ambiguous when its top probability is below
/// <see cref="MinConfidence"/> or beats the runner-up by less than <see cref="MinMargin"/>.
/// </summary>
public static class PredictionQuality
{
    /// <summary>Top-1 probability below this (0.5) is ambiguous: the model gives the rest more weight than its pick.</summary>
    public const float MinConfidence = 0.5f;

    /// <summary>Top-1 minus top-2 below this (0.25) is ambiguous: two digits compete (e.g. 0.55 vs 0.40).</summary>
    public const float MinMargin = 0.25f;

    /// <summary>Assesses one probability vector (e.g. the 10 softmax outputs; need not sum exactly to 1).</summary>
    /// <exception cref="ArgumentException">Fewer than 2 values, or a negative or non-finite value.</exception>
    public static PredictionAssessment Assess(ReadOnlySpan<float> probabilities)
    {
        if (probabilities.Length < 2)
            throw new ArgumentException($"Need at least 2 probabilities; got {probabilities.Length}.", nameof(probabilities));
        int best = -1;
        float top1 = float.NegativeInfinity, top2 = float.NegativeInfinity;
        for (int i = 0; i < probabilities.Length; i++)
        {
            float p = probabilities[i];
            if (!float.IsFinite(p) || p < 0f)
                throw new ArgumentException($"Probability {i} is {p}; expected a finite value ≥ 0.", nameof(probabilities));
            if (p > top1) { top2 = top1; top1 = p; best = i; }
            else if (p > top2) top2 = p;
        }
        float margin = top1 - top2;
        return new PredictionAssessment(best, top1, margin, top1 >= MinConfidence && margin >= MinMargin);
    }
}
