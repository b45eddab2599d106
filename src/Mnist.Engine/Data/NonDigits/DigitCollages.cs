using Mnist.Engine.Data.Augmentation;
using Mnist.Engine.Preprocessing;

namespace Mnist.Engine.Data.NonDigits;

/// <summary>
/// Pieces of the strokes of two or three drawn digits of different labels, each turned, sized and placed on its own so
/// that they overlap: strokes a digit is made of, in an arrangement no digit has. The letters and shapes a network
/// trained on digits reads as a confident digit are mostly such arrangements (an A, an H, a +, a triangle read as a 4);
/// trained on these as "not a digit", it learns that a digit's strokes alone do not make a digit.
/// </summary>
/// <remarks>
/// Measured by leaving training categories out (docs/real-input.md, "Collages of digit strokes"): eight categories
/// never trained on went from 20–21 % read as a confident digit to 11 %, unseen writers' digits still accepted.
/// </remarks>
public sealed class DigitCollages
{
    private readonly IReadOnlyList<DrawnDigit> _digits;

    /// <summary>Collages made of <paramref name="digits"/> (at least one).</summary>
    public DigitCollages(IReadOnlyList<DrawnDigit> digits)
    {
        ArgumentNullException.ThrowIfNull(digits);
        if (digits.Count == 0) throw new ArgumentException("Digit collages need drawn digits to make them of.", nameof(digits));
        _digits = digits;
    }

    /// <summary>Share of the collages made of three pieces rather than two.</summary>
    public const double ThreePieceProbability = 0.3;

    /// <summary>Shortest piece, as a share of its stroke's points (the longest is the whole stroke).</summary>
    public const float MinPieceShare = 0.35f;

    /// <summary>Smallest longer side of a piece, the collage's unit being the longest a piece can have.</summary>
    public const float MinPieceSize = 0.5f;

    /// <summary>Furthest a piece's centre is placed from the collage's centre, on each axis, in the same unit.</summary>
    public const float MaxOffset = 0.3f;

    /// <summary>Largest turn of a piece either way, in radians (about 34°).</summary>
    public const float MaxTurn = 0.6f;

    /// <summary>One collage: its strokes (one per piece) and the labels of the digits the pieces came from.</summary>
    public (StrokePoint[][] Strokes, int[] SourceLabels) Compose(ref StreamRandom rng, StrokeAugmenter? augmenter, int epoch, long key)
    {
        int pieces = rng.NextDouble() < ThreePieceProbability ? 3 : 2;
        var strokes = new List<StrokePoint[]>(pieces);
        var labels = new List<int>(pieces);
        for (int p = 0; p < pieces; p++)
        {
            DrawnDigit digit = _digits[rng.NextInt(_digits.Count)];
            // A label already used is drawn again (a few times: a file of one label still makes collages).
            for (int attempt = 0; attempt < 10 && labels.Contains(digit.Label); attempt++) digit = _digits[rng.NextInt(_digits.Count)];
            StrokePoint[][] source = augmenter?.Augment(digit.StrokeList, epoch, key + p).Strokes ?? digit.Strokes;
            StrokePoint[] stroke = source[rng.NextInt(source.Length)];
            for (int attempt = 0; attempt < 4 && stroke.Length < 3; attempt++) stroke = source[rng.NextInt(source.Length)];
            int length = Math.Clamp((int)MathF.Round(rng.Uniform(MinPieceShare, 1f) * stroke.Length), Math.Min(2, stroke.Length), stroke.Length);
            int start = rng.NextInt(stroke.Length - length + 1);
            StrokePoint[] piece = stroke[start..(start + length)];
            float size = rng.Uniform(MinPieceSize, 1f), centreX = rng.Uniform(-MaxOffset, MaxOffset), centreY = rng.Uniform(-MaxOffset, MaxOffset);
            float turn = rng.Uniform(-MaxTurn, MaxTurn);
            if (Place(piece, size, centreX, centreY, turn) is { } placed)
            {
                strokes.Add(placed);
                labels.Add(digit.Label);
            }
        }
        return (strokes.ToArray(), labels.ToArray());
    }

    /// <summary>
    /// Renders a collage into <paramref name="destination"/> (784 floats) through <see cref="DigitPreprocessor.FromStrokes"/>.
    /// Returns false when no piece had extent or preprocessing found no ink (never in practice).
    /// </summary>
    public bool Render(ref StreamRandom rng, StrokeAugmenter? augmenter, int epoch, long key, Span<float> destination)
    {
        var (strokes, _) = Compose(ref rng, augmenter, epoch, key);
        if (strokes.Length == 0) return false;
        return DigitPreprocessor.FromStrokes(strokes).TryCopyTo(destination);
    }

    /// <summary>The piece scaled so its longer side is <paramref name="size"/>, turned about its centre, centred at the given
    /// point; null for a piece without extent (a dot).</summary>
    private static StrokePoint[]? Place(StrokePoint[] piece, float size, float centreX, float centreY, float turn)
    {
        var (minX, minY, maxX, maxY) = StrokeBounds.Of([piece]);
        float longer = Math.Max(maxX - minX, maxY - minY);
        if (longer < 1e-3f) return null;
        float scale = size / longer, midX = 0.5f * (minX + maxX), midY = 0.5f * (minY + maxY);
        float cos = MathF.Cos(turn), sin = MathF.Sin(turn);
        var placed = new StrokePoint[piece.Length];
        for (int i = 0; i < piece.Length; i++)
        {
            float x = (piece[i].X - midX) * scale, y = (piece[i].Y - midY) * scale;
            placed[i] = new StrokePoint(centreX + cos * x - sin * y, centreY + sin * x + cos * y);
        }
        return placed;
    }
}
