namespace Mnist.Engine.Preprocessing;

/// <summary>
/// Knobs of <see cref="DigitPreprocessor"/>. The defaults are the definition recorded as
/// <see cref="DigitPreprocessor.Version"/>; a model card that records that version assumes them.
/// </summary>
public sealed record PreprocessOptions
{
    /// <summary>
    /// Default pen width for strokes, as a fraction of the longer side of the points' bounding box: 0.15.
    /// After the ink box (points plus pen) is fitted into 20 px, the pen is 20·0.15/1.15 ≈ 2.6 px wide,
    /// which matches MNIST's strokes (2–3 px at 20 px digit height; mean ink mass ≈ 100 on the 0–1 scale).
    /// </summary>
    public const float DefaultPenWidthFraction = 0.15f;

    /// <summary>The default options.</summary>
    public static PreprocessOptions Default { get; } = new();

    /// <summary>Polarity detection or a fixed polarity when the caller knows it (a drawing canvas does).</summary>
    public PolarityMode Polarity { get; init; } = PolarityMode.Auto;

    /// <summary>What transparent pixels stand for in RGBA input.</summary>
    public TransparentBackground TransparentBackground { get; init; } = TransparentBackground.Auto;

    /// <summary>True when RGBA colour channels are premultiplied by alpha; false (default) for straight alpha.</summary>
    public bool PremultipliedAlpha { get; init; }

    /// <summary>Pen width for strokes relative to the longer side of the points' bounding box, in (0, 1].</summary>
    public float PenWidthFraction { get; init; } = DefaultPenWidthFraction;

    internal void Validate()
    {
        if (!(PenWidthFraction > 0f && PenWidthFraction <= 1f))
            throw new ArgumentException($"PenWidthFraction must be in (0, 1]; got {PenWidthFraction}.", nameof(PenWidthFraction));
        if (!Enum.IsDefined(Polarity))
            throw new ArgumentException($"Unknown polarity mode {Polarity}.", nameof(Polarity));
        if (!Enum.IsDefined(TransparentBackground))
            throw new ArgumentException($"Unknown transparent background {TransparentBackground}.", nameof(TransparentBackground));
    }
}
