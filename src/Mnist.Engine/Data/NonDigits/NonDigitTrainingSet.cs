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
    /// <param name="mining">Draws per shape, collage and object image, of which the one the model being trained reads most
    /// as a digit is kept (1: no mining; see <see cref="Mining"/>).</param>
    /// <exception cref="ArgumentException">Negative counts, objects, pairs, collages or turned digits asked for without
    /// data to take them from, nothing at all, or an unknown, repeated or held-out category.</exception>
    public NonDigitTrainingSet(int shapes, MnistDataset? objects = null, int objectsPerEpoch = 0, string augmentationName = "strong",
        int pairs = 0, IReadOnlyList<DrawnDigit>? drawnDigits = null, IReadOnlyList<string>? categories = null, int collages = 0, int turned = 0, int mining = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(mining, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(mining, MaxMining);
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
        Mining = mining;
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

    /// <summary>The most draws <see cref="Mining"/> may ask for.</summary>
    public const int MaxMining = 16;

    /// <summary>
    /// Hard-negative mining: each shape, collage and object image of an epoch is the one of this many independent draws
    /// that the model being trained reads most as a digit (its largest probability), so the non-digits taught are the
    /// ones it still takes for digits rather than the ones it already rejects. 1: every slot is its first draw. The first
    /// epoch is never mined (the model knows nothing yet); pairs and turned digits never are (they are made of whole
    /// digits, and the most digit-like of them is a real digit).
    /// </summary>
    public int Mining { get; }

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
        Shapes = Shapes, Pairs = Pairs, Collages = Collages, Turned = Turned, Objects = Objects, Mining = Mining, ObjectSource = ObjectSource, Augmentation = AugmentationName,
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
    /// <param name="combined">The training set <see cref="AppendTo"/> made.</param>
    /// <param name="offset">The first non-digit slot of <paramref name="combined"/>.</param>
    /// <param name="epoch">The epoch, from 0.</param>
    /// <param name="seed">The run's seed.</param>
    /// <param name="threads">Rendering threads (0: one per core).</param>
    /// <param name="digitScore">How much the model being trained reads each of a batch of images (784 pixels, or empty
    /// where preprocessing found nothing) as a digit; needed for <see cref="Mining"/> after the first epoch, otherwise unused.</param>
    /// <param name="picks">The draws an earlier rendering of this epoch kept (what it returned), to render it again
    /// without the model, as a run resumed mid-epoch must; null to choose them with <paramref name="digitScore"/>.</param>
    /// <returns>With <see cref="Mining"/> after the first epoch, the draw kept for each mined slot in order; otherwise null.</returns>
    public byte[]? Render(MnistDataset combined, int offset, int epoch, ulong seed, int threads = 0, Func<float[][], float[]>? digitScore = null, byte[]? picks = null)
    {
        ArgumentNullException.ThrowIfNull(combined);
        if (offset < 0 || offset + Count > combined.Count)
            throw new ArgumentException($"The training set holds {combined.Count} samples; {offset} + {Count} non-digits do not fit.", nameof(offset));
        if (Mining > 1 && epoch > 0)
        {
            if (digitScore is null && picks is null) throw new ArgumentNullException(nameof(digitScore), "Mining non-digits needs the model's digit score.");
            return RenderMined(combined, offset, epoch, seed, threads, digitScore, picks);
        }
        RenderPlain(combined, offset, epoch, seed, threads);
        return null;
    }

    /// <summary>True for the slots <see cref="Mining"/> applies to: shapes, collages and object images.</summary>
    private bool IsMined(int k) => k < Shapes || (k >= Shapes + Pairs && k < Shapes + Pairs + Collages) || k >= Shapes + Pairs + Collages + Turned;

    private byte[] RenderMined(MnistDataset combined, int offset, int epoch, ulong seed, int threads, Func<float[][], float[]>? digitScore, byte[]? picks)
    {
        int n = DigitPreprocessor.PixelCount, draws = Mining;
        byte[] images = combined.Images;
        var mined = Enumerable.Range(0, Count).Where(IsMined).ToArray();
        if (picks is not null && (picks.Length != mined.Length || picks.Any(d => d >= draws)))
            throw new ArgumentException($"Expected {mined.Length} picks of draws 0–{draws - 1}; got {picks.Length}.", nameof(picks));
        var augmenter = _augmenter is null ? null : new StrokeAugmenter(Augmentation, seed);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount };
        var candidates = new float[mined.Length * draws][];
        Parallel.For(0, Count, parallel, k =>
        {
            int m = Array.BinarySearch(mined, k);
            for (int d = 0; d < (m >= 0 ? draws : 1); d++)
            {
                if (m >= 0 && picks is not null && d != picks[m]) { candidates[m * draws + d] = []; continue; }
                var buffer = new float[n];
                bool done = RenderSlot(k, d, epoch, seed, augmenter, buffer);
                if (m >= 0) candidates[m * draws + d] = done ? buffer : [];
                else Store(done ? buffer : null, images.AsSpan((offset + k) * n, n));
            }
        });
        if (picks is null)
        {
            float[] scores = digitScore!(candidates);
            picks = new byte[mined.Length];
            for (int m = 0; m < mined.Length; m++)
            {
                int best = 0;
                for (int d = 1; d < draws; d++)
                    if (candidates[m * draws + d].Length == n && (candidates[m * draws + best].Length != n || scores[m * draws + d] > scores[m * draws + best])) best = d;
                picks[m] = (byte)best;
            }
        }
        for (int m = 0; m < mined.Length; m++)
        {
            var pixels = candidates[m * draws + picks[m]];
            Store(pixels.Length == n ? pixels : null, images.AsSpan((offset + mined[m]) * n, n));
        }
        return picks;
    }

    private void RenderPlain(MnistDataset combined, int offset, int epoch, ulong seed, int threads)
    {
        int n = DigitPreprocessor.PixelCount;
        byte[] images = combined.Images;
        var augmenter = _augmenter is null ? null : new StrokeAugmenter(Augmentation, seed);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount };
        Parallel.For(0, Count, parallel, () => new float[n], (k, _, buffer) =>
        {
            Store(RenderSlot(k, 0, epoch, seed, augmenter, buffer) ? buffer : null, images.AsSpan((offset + k) * n, n));
            return buffer;
        }, _ => { });
    }

    /// <summary>Draw <paramref name="draw"/> of slot <paramref name="k"/>: draw 0 on the slot's own stream, further draws
    /// on streams and augmentation keys of their own.</summary>
    private bool RenderSlot(int k, int draw, int epoch, ulong seed, StrokeAugmenter? augmenter, Span<float> buffer)
    {
        var rng = new StreamRandom(seed, Domain + (ulong)draw * 0x100, (ulong)epoch, (ulong)k);
        long salt = (long)draw << 32;
        return k < Shapes ? RenderShape(Categories, k, epoch, ref rng, augmenter, buffer, salt)
            : k < Shapes + Pairs ? _pairs!.Render(ref rng, augmenter, epoch, PairKeyBase + 2L * k + salt, buffer)
            : k < Shapes + Pairs + Collages ? _collages!.Render(ref rng, augmenter, epoch, CollageKeyBase + 3L * k + salt, buffer)
            : k < Shapes + Pairs + Collages + Turned ? _turned!.Render(ref rng, augmenter, epoch, TurnedKeyBase + k + salt, buffer)
            : RenderObject(ref rng, buffer);
    }

    // An empty image is harmless (the product never classifies one); in practice every slot renders.
    private static void Store(float[]? pixels, Span<byte> target)
    {
        if (pixels is null) target.Clear();
        else DrawnTrainingSet.ToBytes(pixels, target);
    }

    /// <summary>Shape k of an epoch: the training categories in turn, each drawing and its augmentation from the stream.</summary>
    private static bool RenderShape(IReadOnlyList<string> categories, int k, int epoch, ref StreamRandom rng, StrokeAugmenter? augmenter, Span<float> destination, long salt = 0)
    {
        for (int attempt = 0; attempt < 4; attempt++)
        {
            var strokes = NonDigitShapes.Draw(categories[k % categories.Count], ref rng);
            if (augmenter is not null && augmenter.Render(strokes, epoch, AugmentationKeyBase + k * 4L + attempt + salt, destination)) return true;
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

    /// <summary>Draws per mined slot (<see cref="NonDigitTrainingSet.Mining"/>); 1 without mining, and in checkpoints
    /// written before mining existed.</summary>
    public int Mining { get; init; } = 1;

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
        + (Objects > 0 ? $" and {Objects} images of {ObjectSource} per epoch" : " per epoch")
        + (Mining > 1 ? $", each shape, collage and image the most digit-like of {Mining} draws" : "");
}
