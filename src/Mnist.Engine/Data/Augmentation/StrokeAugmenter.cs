using Mnist.Engine.Preprocessing;

namespace Mnist.Engine.Data.Augmentation;

/// <summary>
/// Augments pen strokes in stroke space (<see cref="StrokeAugmentationOptions"/>) and renders them with the project's
/// single preprocessing, <see cref="DigitPreprocessor.FromStrokes"/>, the path the server and the web app take.
/// </summary>
/// <remarks>
/// Determinism: the draws for sample <c>i</c>, copy <c>c</c> of epoch <c>e</c> come from
/// <c>new StreamRandom(seed, Domain, e, i·copies + c)</c> only, so a rendering never depends on threads or order.
/// </remarks>
public sealed class StrokeAugmenter
{
    /// <summary>The stream id that separates stroke-augmentation draws from other uses of the same seed.</summary>
    public const ulong Domain = 0x57_20CE;

    /// <summary>Creates an augmenter.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public StrokeAugmenter(StrokeAugmentationOptions options, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        Seed = seed;
    }

    /// <summary>The ranges drawn from.</summary>
    public StrokeAugmentationOptions Options { get; }

    /// <summary>The seed every stream derives from.</summary>
    public ulong Seed { get; }

    /// <summary>The random stream of rendering <paramref name="key"/> in <paramref name="epoch"/>.</summary>
    public StreamRandom Stream(int epoch, long key) => new(Seed, Domain, (ulong)epoch, (ulong)key);

    /// <summary>
    /// Augmented copies of <paramref name="strokes"/> for (<paramref name="epoch"/>, <paramref name="key"/>) and the pen
    /// width to render them with. The input is not changed.
    /// </summary>
    public (StrokePoint[][] Strokes, float PenWidthFraction) Augment(IReadOnlyList<IReadOnlyList<StrokePoint>> strokes, int epoch, long key)
    {
        var rng = Stream(epoch, key);
        return Augment(strokes, ref rng, Options);
    }

    /// <summary>
    /// Renders (<paramref name="epoch"/>, <paramref name="key"/>)'s augmentation of <paramref name="strokes"/> into
    /// <paramref name="destination"/> (784 floats in [0,1]). Returns false, leaving <paramref name="destination"/>
    /// untouched, when preprocessing finds no digit in the augmented strokes.
    /// </summary>
    public bool Render(IReadOnlyList<IReadOnlyList<StrokePoint>> strokes, int epoch, long key, Span<float> destination)
    {
        if (destination.Length != DigitPreprocessor.PixelCount)
            throw new ArgumentException($"Destination must hold {DigitPreprocessor.PixelCount} floats.", nameof(destination));
        var (augmented, pen) = Augment(strokes, epoch, key);
        return DigitPreprocessor.FromStrokes(augmented, options: PreprocessOptions.Default with { PenWidthFraction = pen }).TryCopyTo(destination);
    }

    /// <summary>The augmentation itself, drawing from <paramref name="rng"/> in a fixed order.</summary>
    public static (StrokePoint[][] Strokes, float PenWidthFraction) Augment(IReadOnlyList<IReadOnlyList<StrokePoint>> strokes,
        ref StreamRandom rng, StrokeAugmentationOptions options)
    {
        ArgumentNullException.ThrowIfNull(strokes);
        ArgumentNullException.ThrowIfNull(options);
        // Every draw happens whatever the options, so one option's range never shifts another's values.
        float rotation = rng.Uniform(-1f, 1f) * options.RotationDegrees * MathF.PI / 180f;
        float slant = MathF.Tan(rng.Uniform(-1f, 1f) * options.SlantDegrees * MathF.PI / 180f);
        float aspect = MathF.Exp(rng.Uniform(-1f, 1f) * MathF.Log(1f + options.AspectChange));
        float pen = options.PenWidthMin + (options.PenWidthMax - options.PenWidthMin) * rng.NextSingle();
        bool dropTail = rng.NextSingle() < options.DropTailProbability;
        float tailFraction = rng.NextSingle() * options.DropTailMaxFraction;

        var (minX, minY, maxX, maxY) = StrokeBounds.Of(strokes);
        float cx = (minX + maxX) / 2, cy = (minY + maxY) / 2;
        float jitter = options.JitterFraction * Math.Max(maxX - minX, maxY - minY);
        float cos = MathF.Cos(rotation), sin = MathF.Sin(rotation);

        var result = new StrokePoint[strokes.Count][];
        for (int s = 0; s < strokes.Count; s++)
        {
            var stroke = strokes[s];
            int keep = stroke.Count;
            if (dropTail && s == strokes.Count - 1 && stroke.Count >= 8)
                keep = stroke.Count - Math.Max(1, (int)(tailFraction * stroke.Count));
            var points = new StrokePoint[keep];
            for (int i = 0; i < keep; i++)
            {
                float x = stroke[i].X - cx, y = stroke[i].Y - cy;
                x += slant * -y;        // slant: the top leans right for a positive angle (y grows downwards)
                x *= aspect;
                float rx = cos * x + sin * y, ry = -sin * x + cos * y; // counter-clockwise on screen for a positive angle
                float jx = jitter == 0 ? 0 : rng.Uniform(-jitter, jitter), jy = jitter == 0 ? 0 : rng.Uniform(-jitter, jitter);
                points[i] = new StrokePoint(cx + rx + jx, cy + ry + jy);
            }
            result[s] = points;
        }
        return (result, pen);
    }
}
