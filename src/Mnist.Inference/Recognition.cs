using Mnist.Engine.Preprocessing;

namespace Mnist.Inference;

/// <summary>The answer for one input: a digit with its probabilities, or "no digit" with the reason.</summary>
public sealed record Recognition
{
    /// <summary>The recognized digit; null when the input holds no digit (<see cref="NoDigitReason"/> says why).</summary>
    public int? Digit { get; init; }

    /// <summary>Probability of <see cref="Digit"/>; 0 when there is none.</summary>
    public float Confidence { get; init; }

    /// <summary>The 10 class probabilities; all zeros when there is no digit (the model was not asked).</summary>
    public required float[] Probabilities { get; init; }

    /// <summary>False when the answer is ambiguous (<see cref="PredictionQuality"/>) or there is no digit.</summary>
    public bool IsConfident { get; init; }

    /// <summary>Why there is no digit, or <see cref="Mnist.Engine.Preprocessing.NoDigitReason.None"/>.</summary>
    public NoDigitReason NoDigitReason { get; init; }

    /// <summary>A sentence for people explaining <see cref="NoDigitReason"/>; null when a digit was found.</summary>
    public string? NoDigitMessage { get; init; }

    /// <summary>True when the input held no digit.</summary>
    public bool IsEmpty => Digit is null;

    /// <summary>The 784 preprocessed pixels (28×28, white on black, [0, 1]) when
    /// <see cref="DigitPipelineOptions.IncludePixels"/> is set; otherwise null.</summary>
    public float[]? Pixels { get; init; }
}
