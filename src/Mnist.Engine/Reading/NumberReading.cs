using Mnist.Engine.Preprocessing;

namespace Mnist.Engine.Reading;

/// <summary>One digit of a number: what the model read in one segment of the input.</summary>
/// <param name="Digit">The digit 0–9.</param>
/// <param name="Confidence">Its probability.</param>
/// <param name="IsConfident">False when <see cref="PredictionQuality"/> calls the answer ambiguous: the segment may not be
/// a digit at all, and the number should be shown as a guess.</param>
/// <param name="Probabilities">The 10 class probabilities.</param>
/// <param name="Box">The segment's ink box in input coordinates (pixels for images, the points' units for strokes).</param>
public sealed record ReadDigit(int Digit, float Confidence, bool IsConfident, float[] Probabilities, InkBounds Box);

/// <summary>
/// The answer of <see cref="NumberReader"/>: the digits read from left to right, or "no digit" with the reason.
/// </summary>
public sealed record NumberReading
{
    /// <summary>The digits read, left to right (e.g. "4207"); empty when nothing was found.</summary>
    public required string Number { get; init; }

    /// <summary>Product of the digits' confidences: the model's probability that every digit is right; 0 when empty.</summary>
    public float Confidence { get; init; }

    /// <summary>True when every digit is confident; false when some segment is ambiguous or there is no digit.</summary>
    public bool IsConfident { get; init; }

    /// <summary>The digits with their boxes and probabilities, left to right.</summary>
    public required IReadOnlyList<ReadDigit> Digits { get; init; }

    /// <summary>Why nothing was read (<see cref="NoDigitReason.None"/> when <see cref="Digits"/> is not empty).</summary>
    public NoDigitReason Reason { get; init; }

    /// <summary>A sentence for people explaining <see cref="Reason"/>; null when digits were read.</summary>
    public string? Message { get; init; }

    /// <summary>True when nothing was read.</summary>
    public bool IsEmpty => Digits.Count == 0;

    internal static NumberReading Empty(NoDigitReason reason, string? message) =>
        new() { Number = "", Digits = [], Reason = reason, Message = message };
}
