using Mnist.Engine.Data.Augmentation;
using Mnist.Engine.Preprocessing;

namespace Mnist.Engine.Data.NonDigits;

/// <summary>
/// Non-digits mixed into a training set with the label <see cref="MnistDataset.NotADigit"/> (uniform target), so that the
/// network answers letters, shapes and other objects with a flat output that the confidence check rejects. Every epoch
/// renders <see cref="Shapes"/> fresh drawings of <see cref="NonDigitShapes.Training"/> categories (stroke-augmented,
/// through <see cref="DigitPreprocessor.FromStrokes"/>) and takes <see cref="Objects"/> images of another dataset (e.g.
/// Fashion-MNIST's training split) through <see cref="DigitPreprocessor.FromGray"/>, as a photo of them would reach the
/// network; <see cref="Pairs"/> pairs of drawn digits framed as one (<see cref="DigitPairs"/>), as reading a number
/// meets them; <see cref="Collages"/> collages of pieces of drawn digits' strokes (<see cref="DigitCollages"/>); and
/// <see cref="Turned"/> drawn digits mirrored or turned a quarter (<see cref="TurnedDigits"/>).
/// </summary>
/// <remarks>Determinism: sample k of epoch e depends only on (seed, e, k), never on threads or order.</remarks>
public sealed class NonDigitTrainingSet
{
    /// <summary>The stream id that separates these draws from other uses of the same seed.</summary>
    public const ulong Domain = 0x0D161700;

    // Keys of the stroke augmentation, far from the drawn digits' keys (which count from 0) so the two never share draws.
    private const long AugmentationKeyBase = 1L << 40;

    // Keys of the pairs' stroke augmentation (two per pair), apart from the shapes' and the drawn digits'.
    private const long PairKeyBase = 1L << 41;

    // Keys of the collages' stroke augmentation (up to three per collage), apart from the others.
    private const long CollageKeyBase = 1L << 42;

    // Keys of the turned digits' stroke augmentation (one each), apart from the others.
    private const long TurnedKeyBase = 1L << 43;

    private readonly MnistDataset? _objects;
    private readonly StrokeAugmenter? _augmenter;
    private readonly DigitPairs? _pairs;
    private readonly DigitCollages? _collages;
    private readonly TurnedDigits? _turned;

    /// <summary>Prepares the non-digits of each epoch.</summary>
    /// <param name="shapes">Shape drawings per epoch (0 for none).</param>
    /// <param name="objects">Images of things that are not digits (e.g. Fashion-MNIST's training split), or null.</param>
    /// <param name="objectsPerEpoch">Images of <paramref name="objects"/> taken per epoch (0 when it is null).</param>
    /// <param name="augmentationName">Stroke augmentation preset for the shapes, pairs, collages and turned digits
    /// (<see cref="StrokeAugmentationOptions.FromName"/>).</param>
    /// <param name="pairs">Pairs of drawn digits per epoch (0 for none).</param>
    /// <param name="drawnDigits">The drawn digits pairs, collages and turned digits are made of (the training writers'),
    /// when <paramref name="pairs"/>, <paramref name="collages"/> or <paramref name="turned"/> &gt; 0.</param>
    /// <param name="categories">The shape categories drawn, in turn (null: <see cref="NonDigitShapes.Training"/>); any of
    /// <see cref="NonDigitShapes.Trainable"/>, never a held-out one.</param>
    /// <param name="collages">Collages of pieces of drawn digits' strokes per epoch (0 for none).</param>
    /// <param name="turned">Drawn digits mirrored or turned a quarter per epoch (0 for none).</param>
    /// <exception cref="ArgumentException">Negative counts, objects, pairs, collages or turned digits asked for without
    /// data to take them from, nothing at all, or an unknown, repeated or held-out category.</exception>
    public NonDigitTrainingSet(int shapes, MnistDataset? objects = null, int objectsPerEpoch = 0, string augmentationName = "strong",
        int pairs = 0, IReadOnlyList<DrawnDigit>? drawnDigits = null, IReadOnlyList<string>? categories = null, int collages = 0, int turned = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(shapes);
        ArgumentOutOfRangeException.ThrowIfNegative(objectsPerEpoch);
        ArgumentOutOfRangeException.ThrowIfNegative(pairs);
        ArgumentOutOfRangeException.ThrowIfNegative(collages);
        ArgumentOutOfRangeException.ThrowIfNegative(turned);
        if (objectsPerEpoch > 0 && (objects is null || objects.Count == 0))
            throw new ArgumentException("Non-digit objects were asked for without a dataset to take them from.", nameof(objects));
        if (pairs + collages + turned > 0 && (drawnDigits is null || drawnDigits.Count == 0))
            throw new ArgumentException($"{(pairs > 0 ? "Digit pairs" : collages > 0 ? "Digit collages" : "Turned digits")} were asked for without drawn digits to make them of.", nameof(drawnDigits));
        if (shapes + objectsPerEpoch + pairs + collages + turned == 0)
            throw new ArgumentException("Mix in at least one shape, pair, collage, turned digit or object per epoch.", nameof(shapes));
        var augmentation = StrokeAugmentationOptions.FromName(augmentationName);
        augmentation.Validate();
        Categories = CheckCategories(categories ?? NonDigitShapes.Training);
        Shapes = shapes;
        Pairs = pairs;
        _pairs = pairs > 0 ? new DigitPairs(drawnDigits!) : null;
        Collages = collages;
        _collages = collages > 0 ? new DigitCollages(drawnDigits!) : null;
        Turned = turned;
        _turned = turned > 0 ? new TurnedDigits(drawnDigits!) : null;
        Objects = objectsPerEpoch;
        _objects = objectsPerEpoch > 0 ? objects : null;
        ObjectSource = _objects is null ? null : Path.GetFileName(Path.GetDirectoryName(_objects.Source) ?? "") is { Length: > 0 } folder ? folder : "objects";
        AugmentationName = augmentationName.Trim().ToLowerInvariant();
        _augmenter = augmentation.IsIdentity ? null : new StrokeAugmenter(augmentation, 0);
        Augmentation = augmentation;
    }

    /// <summary>Shape drawings per epoch.</summary>
    public int Shapes { get; }

    /// <summary>The shape categories drawn, in turn.</summary>
    public IReadOnlyList<string> Categories { get; }

    /// <summary>Pairs of drawn digits per epoch.</summary>
    public int Pairs { get; }

    /// <summary>Collages of pieces of drawn digits' strokes per epoch.</summary>
    public int Collages { get; }

    /// <summary>Drawn digits mirrored or turned a quarter per epoch.</summary>
    public int Turned { get; }

    /// <summary>Object images per epoch.</summary>
    public int Objects { get; }

    /// <summary>The folder name the objects came from (never a path), or null without objects.</summary>
    public string? ObjectSource { get; }

    /// <summary>The stroke augmentation preset's name.</summary>
    public string AugmentationName { get; }

    /// <summary>The stroke augmentation of the shapes.</summary>
    public StrokeAugmentationOptions Augmentation { get; }

    /// <summary>Training samples this adds per epoch.</summary>
    public int Count => Shapes + Pairs + Collages + Turned + Objects;

    /// <summary>What checkpoints and model cards record about it (and resume compares).</summary>
    public NonDigitTrainingState Describe() => new()
    {
        Shapes = Shapes, Pairs = Pairs, Collages = Collages, Turned = Turned, Objects = Objects, ObjectSource = ObjectSource, Augmentation = AugmentationName,
        Categories = string.Join(",", Categories),
    };

    /// <summary>
    /// <paramref name="list"/> checked: at least one category, each trainable and named once. A held-out category is
    /// refused with its own message: training on it would make the rejection figure measure memory.
    /// </summary>
    /// <exception cref="ArgumentException">An empty list, an unknown, repeated or held-out category.</exception>
    public static IReadOnlyList<string> CheckCategories(IReadOnlyList<string> list)
    {
        ArgumentNullException.ThrowIfNull(list);
        if (list.Count == 0) throw new ArgumentException("Name at least one non-digit category.", nameof(list));
        foreach (string c in list)
        {
            if (NonDigitShapes.HeldOut.Contains(c))
                throw new ArgumentException($"'{c}' is a held-out non-digit category, kept for measuring rejection; it is never trained on.", nameof(list));
            if (!NonDigitShapes.Trainable.Contains(c))
                throw new ArgumentException($"Unknown non-digit category '{c}'. Trainable: {string.Join(", ", NonDigitShapes.Trainable)}.", nameof(list));
        }
        if (list.Distinct().Count() != list.Count) throw new ArgumentException("A non-digit category is named twice.", nameof(list));
        return list.ToArray();
    }

    /// <summary>
    /// <paramref name="data"/>'s samples followed by <see cref="Count"/> slots labelled <see cref="MnistDataset.NotADigit"/>
    /// (pixels blank until <see cref="Render"/>).
    /// </summary>
    public MnistDataset AppendTo(MnistDataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Rows != DigitPreprocessor.Size || data.Cols != DigitPreprocessor.Size)
            throw new ArgumentException($"Non-digits are {DigitPreprocessor.Size}×{DigitPreprocessor.Size}; the training set is {data.Rows}×{data.Cols}.", nameof(data));
        var images = new byte[(long)(data.Count + Count) * data.PixelsPerImage];
        data.Images.AsSpan().CopyTo(images);
        var labels = new byte[data.Count + Count];
        data.Labels.AsSpan().CopyTo(labels);
        labels.AsSpan(data.Count).Fill(MnistDataset.NotADigit);
        return new MnistDataset(images, labels, data.Rows, data.Cols, data.Source, allowNotADigit: true);
    }

    /// <summary>Renders epoch <paramref name="epoch"/>'s non-digits into <paramref name="combined"/> from sample <paramref name="offset"/> on.</summary>
    public void Render(MnistDataset combined, int offset, int epoch, ulong seed, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(combined);
        if (offset < 0 || offset + Count > combined.Count)
            throw new ArgumentException($"The training set holds {combined.Count} samples; {offset} + {Count} non-digits do not fit.", nameof(offset));
        int n = DigitPreprocessor.PixelCount;
        byte[] images = combined.Images;
        var augmenter = _augmenter is null ? null : new StrokeAugmenter(Augmentation, seed);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount };
        Parallel.For(0, Count, parallel, () => new float[n], (k, _, buffer) =>
        {
            var target = images.AsSpan((offset + k) * n, n);
            var rng = new StreamRandom(seed, Domain, (ulong)epoch, (ulong)k);
            bool done = k < Shapes ? RenderShape(Categories, k, epoch, ref rng, augmenter, buffer)
                : k < Shapes + Pairs ? _pairs!.Render(ref rng, augmenter, epoch, PairKeyBase + 2L * k, buffer)
                : k < Shapes + Pairs + Collages ? _collages!.Render(ref rng, augmenter, epoch, CollageKeyBase + 3L * k, buffer)
                : k < Shapes + Pairs + Collages + Turned ? _turned!.Render(ref rng, augmenter, epoch, TurnedKeyBase + k, buffer)
                : RenderObject(ref rng, buffer);
            if (done) DrawnTrainingSet.ToBytes(buffer, target);
            else target.Clear(); // never happens in practice; an empty image is harmless (the product never classifies one)
            return buffer;
        }, _ => { });
    }

    /// <summary>Shape k of an epoch: the training categories in turn, each drawing and its augmentation from the stream.</summary>
    private static bool RenderShape(IReadOnlyList<string> categories, int k, int epoch, ref StreamRandom rng, StrokeAugmenter? augmenter, Span<float> destination)
    {
        for (int attempt = 0; attempt < 4; attempt++)
        {
            var strokes = NonDigitShapes.Draw(categories[k % categories.Count], ref rng);
            if (augmenter is not null && augmenter.Render(strokes, epoch, AugmentationKeyBase + k * 4L + attempt, destination)) return true;
            if (DigitPreprocessor.FromStrokes(strokes).TryCopyTo(destination)) return true;
        }
        return false;
    }

    private bool RenderObject(ref StreamRandom rng, Span<float> destination)
    {
        var objects = _objects!;
        for (int attempt = 0; attempt < 4; attempt++)
        {
            if (DigitPreprocessor.FromGray(objects.Image(rng.NextInt(objects.Count)), objects.Cols, objects.Rows).TryCopyTo(destination)) return true;
        }
        return false;
    }
}

/// <summary>What a checkpoint records about the non-digits of a run.</summary>
public sealed record NonDigitTrainingState
{
    /// <summary>Shape drawings per epoch.</summary>
    public int Shapes { get; init; }

    /// <summary>Pairs of drawn digits per epoch (<see cref="DigitPairs"/>).</summary>
    public int Pairs { get; init; }

    /// <summary>Collages of pieces of drawn digits' strokes per epoch (<see cref="DigitCollages"/>).</summary>
    public int Collages { get; init; }

    /// <summary>Drawn digits mirrored or turned a quarter per epoch (<see cref="TurnedDigits"/>).</summary>
    public int Turned { get; init; }

    /// <summary>Object images per epoch.</summary>
    public int Objects { get; init; }

    /// <summary>The folder the objects came from, by name.</summary>
    public string? ObjectSource { get; init; }

    /// <summary>Stroke augmentation preset of the shapes.</summary>
    public string Augmentation { get; init; } = "";

    /// <summary>The shape categories trained on, comma-separated.</summary>
    public string Categories { get; init; } = "";

    /// <summary>True when the shapes are the training family (<see cref="NonDigitShapes.Training"/>), in its order;
    /// checkpoints written before categories were recorded leave <see cref="Categories"/> empty.</summary>
    public bool IsTrainingFamily => Categories.Length == 0 || Categories.Split(',').SequenceEqual(NonDigitShapes.Training);

    /// <summary>One line for messages and model cards.</summary>
    public string ToSummary() =>
        $"{Shapes} shapes ({Augmentation} augmentation"
        + (IsTrainingFamily ? ")" : $", categories {Categories})")
        + (Pairs > 0 ? $", {Pairs} pairs of drawn digits" : "")
        + (Collages > 0 ? $", {Collages} collages of drawn digits' strokes" : "")
        + (Turned > 0 ? $", {Turned} drawn digits mirrored or turned" : "")
        + (Objects > 0 ? $" and {Objects} images of {ObjectSource} per epoch" : " per epoch");
}
