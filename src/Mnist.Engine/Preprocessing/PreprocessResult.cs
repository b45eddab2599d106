namespace Mnist.Engine.Preprocessing;

/// <summary>
/// The outcome of <see cref="DigitPreprocessor"/>: a 28×28 MNIST-style image, or "no digit" with a reason.
/// </summary>
public sealed record PreprocessResult
{
    internal PreprocessResult(float[] pixels, NoDigitReason reason, string? emptyReason)
    {
        Pixels = pixels;
        Reason = reason;
        EmptyReason = emptyReason;
    }

    /// <summary>
    /// 784 values, 28×28 row-major, in [0, 1], white ink (1) on black (0): the model input. All zeros when
    /// <see cref="IsEmpty"/>.
    /// </summary>
    public float[] Pixels { get; }

    /// <summary>True when the input holds no usable digit; do not classify <see cref="Pixels"/> then.</summary>
    public bool IsEmpty => Reason != NoDigitReason.None;

    /// <summary>Copies <see cref="Pixels"/> into <paramref name="destination"/> (at least 784 floats) when a digit was
    /// found; false, leaving it untouched, when <see cref="IsEmpty"/>.</summary>
    public bool TryCopyTo(Span<float> destination)
    {
        if (IsEmpty) return false;
        Pixels.AsSpan().CopyTo(destination);
        return true;
    }

    /// <summary>Why the input holds no digit, or <see cref="NoDigitReason.None"/>.</summary>
    public NoDigitReason Reason { get; }

    /// <summary>A sentence for people explaining <see cref="Reason"/>; null when a digit was found.</summary>
    public string? EmptyReason { get; }

    /// <summary>True when the input was dark ink on a light background and was inverted.</summary>
    public bool Inverted { get; init; }

    /// <summary>The ink's bounding box in input coordinates (default when nothing was found).</summary>
    public InkBounds InkBounds { get; init; }

    /// <summary>Output pixels per input unit (pixel or stroke coordinate unit); 0 when empty.</summary>
    public float Scale { get; init; }

    /// <summary>Estimated background luminance in [0, 1] before any inversion (median of the border); 0 for strokes.</summary>
    public float Background { get; init; }

    /// <summary>Estimated ink contrast above the background in (0, 1] (what was stretched to 1); 1 for strokes.</summary>
    public float InkContrast { get; init; }
}
