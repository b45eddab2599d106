using Mnist.Engine.Preprocessing;
using Mnist.Engine.Reading;

namespace Mnist.Client;

/// <summary>One digit of a <see cref="NumberResult"/>.</summary>
/// <param name="Digit">The digit 0–9.</param>
/// <param name="Confidence">Its probability.</param>
/// <param name="IsConfident">False when the segment is ambiguous (it may not be a digit at all).</param>
/// <param name="Box">The segment's ink box in the drawing's coordinates.</param>
/// <param name="Probabilities">The 10 class probabilities.</param>
public sealed record NumberDigit(int Digit, float Confidence, bool IsConfident, InkBounds Box, float[] Probabilities);

/// <summary>A whole number read from a drawing (several digits on one line), or "no digit" with the reason.</summary>
public sealed record NumberResult
{
    /// <summary>The digits read, left to right (e.g. "4207"); empty when nothing was found.</summary>
    public required string Number { get; init; }

    /// <summary>Product of the digits' confidences: the model's probability that every digit is right; 0 when empty.</summary>
    public float Confidence { get; init; }

    /// <summary>True when every digit is confident; false when some segment is ambiguous or nothing was found.</summary>
    public bool IsConfident { get; init; }

    /// <summary>The digits with their boxes and probabilities, left to right.</summary>
    public required IReadOnlyList<NumberDigit> Digits { get; init; }

    /// <summary>Why nothing was read, or <see cref="Mnist.Engine.Preprocessing.NoDigitReason.None"/>.</summary>
    public NoDigitReason NoDigitReason { get; init; }

    /// <summary>A sentence for people explaining <see cref="NoDigitReason"/>; null when digits were read.</summary>
    public string? Message { get; init; }

    /// <summary>The model's name as its runtime reports it (the server's <c>model</c> field), when known.</summary>
    public string? Model { get; init; }

    /// <summary><c>device</c> or <c>server</c>.</summary>
    public required string Mode { get; init; }

    /// <summary>Wall time of the call in milliseconds: reading on the device, the round trip for the server.</summary>
    public double ElapsedMilliseconds { get; init; }

    /// <summary>The server's own processing time (its <c>elapsed_ms</c>), for remote results.</summary>
    public double? ServerMilliseconds { get; init; }

    /// <summary>True when nothing was read.</summary>
    public bool IsEmpty => Digits.Count == 0;

    internal static NumberResult FromReading(NumberReading reading, string mode, string? model, double elapsedMs) => new()
    {
        Number = reading.Number,
        Confidence = reading.Confidence,
        IsConfident = reading.IsConfident,
        Digits = reading.Digits.Select(d => new NumberDigit(d.Digit, d.Confidence, d.IsConfident, d.Box, d.Probabilities)).ToArray(),
        NoDigitReason = reading.Reason,
        Message = reading.Message,
        Model = model,
        Mode = mode,
        ElapsedMilliseconds = elapsedMs,
    };
}
