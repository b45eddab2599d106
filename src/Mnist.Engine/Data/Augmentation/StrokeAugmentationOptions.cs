using Mnist.Engine.Preprocessing;

namespace Mnist.Engine.Data.Augmentation;

/// <summary>
/// Ranges for augmenting pen strokes before they are rendered by <see cref="DigitPreprocessor.FromStrokes"/>
/// (<see cref="StrokeAugmenter"/>): each rendering draws its own rotation, slant, aspect change, point jitter, pen width
/// and, rarely, loses the end of its last stroke. Changes of the strokes themselves, not of the rendered pixels: the
/// renderer then draws them exactly as it draws a user's input.
/// </summary>
public sealed record StrokeAugmentationOptions
{
    /// <summary>Largest rotation in degrees; uniform in ±this.</summary>
    public float RotationDegrees { get; init; }

    /// <summary>Largest slant (horizontal shear: x moves by tan(angle)·(centre y − y)) in degrees; uniform in ±this.</summary>
    public float SlantDegrees { get; init; }

    /// <summary>Largest aspect change: the width is multiplied by a factor log-uniform in [1/(1+this), 1+this].</summary>
    public float AspectChange { get; init; }

    /// <summary>Largest point jitter as a fraction of the longer side of the strokes' bounding box; uniform in ±this per coordinate.</summary>
    public float JitterFraction { get; init; }

    /// <summary>Smallest pen width (<see cref="PreprocessOptions.PenWidthFraction"/>).</summary>
    public float PenWidthMin { get; init; } = PreprocessOptions.DefaultPenWidthFraction;

    /// <summary>Largest pen width (<see cref="PreprocessOptions.PenWidthFraction"/>).</summary>
    public float PenWidthMax { get; init; } = PreprocessOptions.DefaultPenWidthFraction;

    /// <summary>Probability that the last stroke loses a trailing piece (a pen lifted early).</summary>
    public float DropTailProbability { get; init; }

    /// <summary>Largest fraction of the last stroke's points that a dropped tail takes (at least one point, never the whole stroke).</summary>
    public float DropTailMaxFraction { get; init; } = 0.15f;

    /// <summary>No change: strokes rendered as given, with the default pen.</summary>
    public static StrokeAugmentationOptions None { get; } = new();

    /// <summary>The default for drawn training digits: ±8° rotation, ±12° slant, aspect ×/÷1.15, ±1% jitter, pen 0.05–0.20, 5% tails dropped (up to 15%).</summary>
    public static StrokeAugmentationOptions Default { get; } = new()
    {
        RotationDegrees = 8f, SlantDegrees = 12f, AspectChange = 0.15f, JitterFraction = 0.01f,
        PenWidthMin = 0.05f, PenWidthMax = 0.20f, DropTailProbability = 0.05f, DropTailMaxFraction = 0.15f,
    };

    /// <summary>Stronger: ±15° rotation, ±20° slant, aspect ×/÷1.3, ±2% jitter, pen 0.10–0.20, 10% tails dropped (up to 20%).</summary>
    public static StrokeAugmentationOptions Strong { get; } = new()
    {
        RotationDegrees = 15f, SlantDegrees = 20f, AspectChange = 0.3f, JitterFraction = 0.02f,
        PenWidthMin = 0.10f, PenWidthMax = 0.20f, DropTailProbability = 0.10f, DropTailMaxFraction = 0.20f,
    };

    /// <summary>Preset names for <see cref="FromName"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["none", "default", "strong"];

    /// <summary>A preset by name: none, default, strong (case-insensitive).</summary>
    /// <exception cref="ArgumentException">Unknown name.</exception>
    public static StrokeAugmentationOptions FromName(string name) => name?.Trim().ToLowerInvariant() switch
    {
        "none" or "off" => None,
        "default" or "on" => Default,
        "strong" => Strong,
        _ => throw new ArgumentException($"Unknown stroke augmentation '{name}'. Known: {string.Join(", ", Names)}.", nameof(name)),
    };

    /// <summary>True when these options leave the strokes and the pen unchanged.</summary>
    public bool IsIdentity =>
        RotationDegrees == 0 && SlantDegrees == 0 && AspectChange == 0 && JitterFraction == 0 && DropTailProbability == 0
        && PenWidthMin == PreprocessOptions.DefaultPenWidthFraction && PenWidthMax == PreprocessOptions.DefaultPenWidthFraction;

    /// <summary>Checks the ranges.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A range is negative, reversed, not finite or absurd.</exception>
    public void Validate()
    {
        static void Check(bool ok, string what)
        {
            if (!ok) throw new ArgumentOutOfRangeException(what);
        }
        Check(RotationDegrees is >= 0 and <= 90, nameof(RotationDegrees));
        Check(SlantDegrees is >= 0 and < 60, nameof(SlantDegrees));
        Check(AspectChange is >= 0 and <= 1, nameof(AspectChange));
        Check(JitterFraction is >= 0 and <= 0.2f, nameof(JitterFraction));
        Check(PenWidthMin is > 0 and <= 1 && PenWidthMax >= PenWidthMin && PenWidthMax <= 1, nameof(PenWidthMin));
        Check(DropTailProbability is >= 0 and <= 1, nameof(DropTailProbability));
        Check(DropTailMaxFraction is >= 0 and < 1, nameof(DropTailMaxFraction));
    }
}
