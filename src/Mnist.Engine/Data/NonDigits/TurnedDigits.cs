using Mnist.Engine.Data.Augmentation;
using Mnist.Engine.Preprocessing;

namespace Mnist.Engine.Data.NonDigits;

/// <summary>
/// Whole drawn digits mirrored left to right or turned a quarter either way: every stroke of a digit, in an orientation no
/// digit is written in. Trained on as "not a digit", they teach that a digit's strokes make a digit only the right way
/// round, which is what a letter or sign built of the same strokes (a reversed 3 is an ε, a turned 7 a ∠) does not have.
/// </summary>
/// <remarks>
/// Only digits whose mirror image or quarter turn is no digit and no letter kept out of training are used: mirrored 3, 4,
/// 6 and 7, turned 2, 4, 5 and 7. Left out: 0, 1 and 8, which look alike mirrored or turned; 9, whose mirror image is a P;
/// 2 and 5 mirrored, which pass for each other or an S; 3 turned, an m or w; 6 and 9 turned, which are each other half a
/// turn away and close to it a quarter away.
/// </remarks>
public sealed class TurnedDigits
{
    private static readonly int[] Mirrored = [3, 4, 6, 7];
    private static readonly int[] Turned = [2, 4, 5, 7];

    private readonly DrawnDigit[] _mirrorable;
    private readonly DrawnDigit[] _turnable;

    /// <summary>Turned digits made of those of <paramref name="digits"/> with a label in one of the two lists.</summary>
    /// <exception cref="ArgumentException">No digit with such a label.</exception>
    public TurnedDigits(IReadOnlyList<DrawnDigit> digits)
    {
        ArgumentNullException.ThrowIfNull(digits);
        _mirrorable = [.. digits.Where(d => Array.IndexOf(Mirrored, d.Label) >= 0)];
        _turnable = [.. digits.Where(d => Array.IndexOf(Turned, d.Label) >= 0)];
        if (_mirrorable.Length + _turnable.Length == 0)
            throw new ArgumentException("Turned digits need drawn 2s, 3s, 4s, 5s, 6s or 7s to make them of.", nameof(digits));
    }

    /// <summary>The labels mirrored left to right.</summary>
    public static IReadOnlyList<int> MirroredLabels => Mirrored;

    /// <summary>The labels turned a quarter either way.</summary>
    public static IReadOnlyList<int> TurnedLabels => Turned;

    /// <summary>One turned digit: its strokes (stroke-augmented first, when an augmenter is given), the label it had and
    /// whether it was mirrored (otherwise turned).</summary>
    public (StrokePoint[][] Strokes, int SourceLabel, bool Mirror) Compose(ref StreamRandom rng, StrokeAugmenter? augmenter, int epoch, long key)
    {
        bool mirror = _turnable.Length == 0 || (_mirrorable.Length > 0 && rng.NextSingle() < 0.5f);
        DrawnDigit[] pool = mirror ? _mirrorable : _turnable;
        DrawnDigit digit = pool[rng.NextInt(pool.Length)];
        StrokePoint[][] source = augmenter?.Augment(digit.StrokeList, epoch, key).Strokes ?? digit.Strokes;
        float way = rng.NextSingle() < 0.5f ? 1f : -1f;
        var strokes = new StrokePoint[source.Length][];
        for (int s = 0; s < source.Length; s++)
        {
            strokes[s] = new StrokePoint[source[s].Length];
            for (int i = 0; i < source[s].Length; i++)
            {
                var p = source[s][i];
                strokes[s][i] = mirror ? new StrokePoint(-p.X, p.Y) : new StrokePoint(way * p.Y, -way * p.X);
            }
        }
        return (strokes, digit.Label, mirror);
    }

    /// <summary>
    /// Renders a turned digit into <paramref name="destination"/> (784 floats) through
    /// <see cref="DigitPreprocessor.FromStrokes"/>. Returns false when preprocessing found no ink (never in practice).
    /// </summary>
    public bool Render(ref StreamRandom rng, StrokeAugmenter? augmenter, int epoch, long key, Span<float> destination) =>
        DigitPreprocessor.FromStrokes(Compose(ref rng, augmenter, epoch, key).Strokes).TryCopyTo(destination);
}
