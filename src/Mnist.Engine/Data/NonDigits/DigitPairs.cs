using Mnist.Engine.Data.Augmentation;
using Mnist.Engine.Preprocessing;

namespace Mnist.Engine.Data.NonDigits;

/// <summary>
/// Two drawn digits of one writer side by side, touching or overlapping a little, framed as one image: what reading a
/// number meets when it frames two neighbouring digits as one candidate. A network trained only on single digits reads
/// such a pair as one of its digits, often confidently ("16" as a 6), so the segmentation cannot tell it from a digit;
/// trained as "not a digit" it answers flat, and the reader keeps the two apart.
/// </summary>
/// <remarks>The layout follows the numbers the reader is measured on: each digit scaled to a common height ±12 %,
/// baselines ±8 %, the second placed from 25 % of the height overlapping the first to 10 % apart.</remarks>
public sealed class DigitPairs
{
    private readonly IReadOnlyList<DrawnDigit> _digits;
    private readonly Dictionary<int, int[]> _byWriter;

    /// <summary>Pairs made of <paramref name="digits"/> (at least one), two of one writer each.</summary>
    public DigitPairs(IReadOnlyList<DrawnDigit> digits)
    {
        ArgumentNullException.ThrowIfNull(digits);
        if (digits.Count == 0) throw new ArgumentException("Digit pairs need drawn digits to make them of.", nameof(digits));
        _digits = digits;
        _byWriter = IndexByWriter(digits);
    }

    /// <summary>Height variation of each digit around the common height.</summary>
    public const float HeightJitter = 0.12f;

    /// <summary>Baseline variation, in heights.</summary>
    public const float BaselineJitter = 0.08f;

    /// <summary>Most overlap of the two digits' boxes, in heights.</summary>
    public const float MaxOverlap = 0.25f;

    /// <summary>Widest gap between the two digits' boxes, in heights.</summary>
    public const float MaxGap = 0.10f;

    /// <summary>
    /// Renders a pair into <paramref name="destination"/> (784 floats): two digits of one writer drawn from
    /// <paramref name="rng"/>, each stroke-augmented with its own key (<paramref name="key"/>, <paramref name="key"/> + 1).
    /// Returns false when preprocessing finds no digit (never in practice).
    /// </summary>
    public bool Render(ref StreamRandom rng, StrokeAugmenter? augmenter, int epoch, long key, Span<float> destination)
    {
        DrawnDigit first = _digits[rng.NextInt(_digits.Count)];
        int[] same = _byWriter[first.Writer];
        DrawnDigit second = _digits[same[rng.NextInt(same.Length)]];
        var (a, penA) = augmenter?.Augment(first.StrokeList, epoch, key) ?? (first.Strokes, PreprocessOptions.DefaultPenWidthFraction);
        var (b, penB) = augmenter?.Augment(second.StrokeList, epoch, key + 1) ?? (second.Strokes, PreprocessOptions.DefaultPenWidthFraction);
        float heightA = 1f + rng.Uniform(-HeightJitter, HeightJitter), heightB = 1f + rng.Uniform(-HeightJitter, HeightJitter);
        float gap = rng.Uniform(-MaxOverlap, MaxGap), baseline = rng.Uniform(-BaselineJitter, BaselineJitter);

        // Each digit to its height, bottom on its baseline; the second starts `gap` right of the first's right edge.
        var (left, leftSide) = Place(a, heightA, 0f, 0f);
        var (right, rightSide) = Place(b, heightB, left.Right + gap, baseline);
        StrokePoint[][] strokes = [.. left.Strokes, .. right.Strokes];
        // The pen as it was for each digit (a fraction of its longer side), now of the pair's longer side.
        float pairSide = Math.Max(Math.Max(left.Right, right.Right) - Math.Min(0f, right.Left), Math.Max(heightA, heightB) + Math.Abs(baseline));
        float pen = Math.Clamp(0.5f * (penA * leftSide + penB * rightSide) / pairSide, 0.01f, 1f);
        return DigitPreprocessor.FromStrokes(strokes, options: PreprocessOptions.Default with { PenWidthFraction = pen }).TryCopyTo(destination);
    }

    private readonly record struct Placed(StrokePoint[][] Strokes, float Left, float Right);

    /// <summary>Scales strokes to <paramref name="height"/>, left edge at <paramref name="x"/>, bottom at 1 + <paramref name="baseline"/>;
    /// returns them with their longer side after scaling.</summary>
    private static (Placed Placed, float LongerSide) Place(IReadOnlyList<IReadOnlyList<StrokePoint>> strokes, float height, float x, float baseline)
    {
        var (minX, minY, maxX, maxY) = StrokeBounds.Of(strokes);
        float scale = height / Math.Max(maxY - minY, 1e-3f);
        var placed = new StrokePoint[strokes.Count][];
        for (int s = 0; s < strokes.Count; s++)
        {
            var points = new StrokePoint[strokes[s].Count];
            for (int i = 0; i < points.Length; i++)
                points[i] = new StrokePoint(x + (strokes[s][i].X - minX) * scale, 1f + baseline - (maxY - strokes[s][i].Y) * scale);
            placed[s] = points;
        }
        float width = (maxX - minX) * scale;
        return (new Placed(placed, x, x + width), Math.Max(width, height));
    }

    /// <summary>The digits' indices by writer, for drawing a second digit of the first one's writer.</summary>
    public static Dictionary<int, int[]> IndexByWriter(IReadOnlyList<DrawnDigit> digits) =>
        Enumerable.Range(0, digits.Count).GroupBy(i => digits[i].Writer).ToDictionary(g => g.Key, g => g.ToArray());
}
