using Mnist.Engine.Preprocessing;

namespace Mnist.Engine.Reading;

/// <summary>
/// Reads whole numbers: several digits written in one drawing or image, left to right on one line.
/// </summary>
/// <remarks>
/// <para>The input is cut into pieces — strokes for drawings; connected components of the ink for images, with
/// components wide enough to be touching digits also cut at their thinnest columns (and, read a second time, between
/// the arcs of their strokes, where one digit runs into another; the better-scoring reading wins). Every run of neighbouring pieces
/// whose shape could be one digit is framed by the single MNIST-style preprocessing (<see cref="DigitPreprocessor"/>)
/// and classified in one model call; the grouping with the best total score wins (<see cref="NumberReaderOptions"/>).
/// No fixed-width slicing: the model's own scores decide where digits begin and end.</para>
/// <para>A lone digit reads exactly as <see cref="DigitPreprocessor"/> and the model would read it: when the best
/// grouping is one digit made of everything, the whole input is framed as for a single prediction.</para>
/// <para>Segments the model finds ambiguous are kept, flagged not confident (<see cref="ReadDigit.IsConfident"/>), so
/// callers can say "can't read" rather than guess.</para>
/// </remarks>
public static class NumberReader
{
    /// <summary>At most this many pieces (strokes, or ink pieces of an image) are read as one number.</summary>
    public const int MaxPieces = 64;

    /// <summary>Reads a number drawn as pen strokes.</summary>
    /// <param name="strokes">Strokes, each a list of points in drawing order (y grows downwards).</param>
    /// <param name="classify">The model.</param>
    /// <param name="canvasWidth">Width of the drawing surface when known (enables the "a dot" check), else 0.</param>
    /// <param name="canvasHeight">Height of the drawing surface when known, else 0.</param>
    /// <param name="options">Segmentation weights; null for the defaults.</param>
    /// <param name="preprocess">Preprocessing options; null for the defaults.</param>
    /// <exception cref="ArgumentException">Invalid strokes (as <see cref="DigitPreprocessor.FromStrokes"/>), or more than
    /// <see cref="MaxPieces"/> strokes with ink.</exception>
    public static NumberReading FromStrokes(IReadOnlyList<IReadOnlyList<StrokePoint>> strokes, DigitBatchClassifier classify,
        float canvasWidth = 0f, float canvasHeight = 0f, NumberReaderOptions? options = null, PreprocessOptions? preprocess = null)
    {
        ArgumentNullException.ThrowIfNull(classify);
        options ??= NumberReaderOptions.Default;
        options.Validate();
        preprocess ??= PreprocessOptions.Default;
        // The whole drawing first: it validates the strokes and answers the no-ink cases once for all.
        PreprocessResult all = DigitPreprocessor.FromStrokes(strokes, canvasWidth, canvasHeight, preprocess);
        if (all.IsEmpty) return NumberReading.Empty(all.Reason, all.EmptyReason);
        var set = new StrokePieces(strokes, canvasWidth, canvasHeight, preprocess);
        CheckPieces(set.Pieces.Count, "strokes");
        return SegmentationSearch.Read(set, classify, options);
    }

    /// <summary>Reads a number in an 8-bit grayscale image of either polarity.</summary>
    /// <param name="gray">Pixels, row-major, <paramref name="stride"/> bytes per row.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    /// <param name="classify">The model.</param>
    /// <param name="stride">Bytes per row; 0 means width.</param>
    /// <param name="options">Segmentation weights; null for the defaults.</param>
    /// <param name="preprocess">Preprocessing options; null for the defaults.</param>
    /// <exception cref="ArgumentException">Bad sizes or buffer (as <see cref="DigitPreprocessor.FromGray"/>), or more than
    /// <see cref="MaxPieces"/> pieces of ink.</exception>
    public static NumberReading FromGray(ReadOnlySpan<byte> gray, int width, int height, DigitBatchClassifier classify, int stride = 0,
        NumberReaderOptions? options = null, PreprocessOptions? preprocess = null)
    {
        ArgumentNullException.ThrowIfNull(classify);
        options ??= NumberReaderOptions.Default;
        options.Validate();
        preprocess ??= PreprocessOptions.Default;
        stride = DigitPreprocessor.CheckImage(gray.Length, width, height, stride, 1, nameof(gray));
        return FromLuminance(Luminance.FromGray(gray, width, height, stride), width, height, classify, options, preprocess);
    }

    /// <summary>Reads a number in an 8-bit RGBA or BGRA image (transparency composited as for a single digit).</summary>
    /// <param name="pixels">4 bytes per pixel in <paramref name="order"/>, row-major.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    /// <param name="classify">The model.</param>
    /// <param name="order">Channel order.</param>
    /// <param name="stride">Bytes per row; 0 means 4·width.</param>
    /// <param name="options">Segmentation weights; null for the defaults.</param>
    /// <param name="preprocess">Preprocessing options; null for the defaults.</param>
    /// <exception cref="ArgumentException">Bad sizes or buffer, or more than <see cref="MaxPieces"/> pieces of ink.</exception>
    public static NumberReading FromRgba(ReadOnlySpan<byte> pixels, int width, int height, DigitBatchClassifier classify,
        PixelOrder order = PixelOrder.Rgba, int stride = 0, NumberReaderOptions? options = null, PreprocessOptions? preprocess = null)
    {
        ArgumentNullException.ThrowIfNull(classify);
        options ??= NumberReaderOptions.Default;
        options.Validate();
        preprocess ??= PreprocessOptions.Default;
        preprocess.Validate();
        if (!Enum.IsDefined(order)) throw new ArgumentException($"Unknown pixel order {order}.", nameof(order));
        stride = DigitPreprocessor.CheckImage(pixels.Length, width, height, stride, 4, nameof(pixels));
        float[]? lum = Luminance.FromRgba(pixels, width, height, stride, order, preprocess, out _);
        if (lum is null) return NumberReading.Empty(NoDigitReason.NoInk, "No ink: the image is fully transparent.");
        return FromLuminance(lum, width, height, classify, options, preprocess);
    }

    private static NumberReading FromLuminance(float[] lum, int width, int height, DigitBatchClassifier classify,
        NumberReaderOptions options, PreprocessOptions preprocess)
    {
        InkExtractor.Outcome ink = InkExtractor.Extract(lum, width, height, preprocess.Polarity);
        if (ink.Reason != NoDigitReason.None) return NumberReading.Empty(ink.Reason, ink.Message);
        // The whole image framed as one digit, as DigitPreprocessor would (on a copy: framing despeckles in place).
        float[] whole = (float[])lum.Clone();
        PreprocessResult all = DigitPreprocessor.FrameExtracted(whole, width, height, ink);
        if (all.IsEmpty) return NumberReading.Empty(all.Reason, all.EmptyReason);
        var components = new InkComponents(lum, width, height);
        var set = new ImagePieces(components, options, () => all);
        CheckPieces(set.Pieces.Count, "separate pieces of ink");
        if (!options.StrokeCuts || set.StrokeCutComponents == 0) return SegmentationSearch.Read(set, classify, options);
        // Touching digits a second way: wide components cut between their stroke arcs rather than through pixels (a
        // digit whose stroke runs into its neighbour). The two groupings score on one scale; the better wins. The
        // candidates both share (runs of uncut components) are classified once.
        var cached = new CachedClassifier(classify);
        (NumberReading reading, double score) = SegmentationSearch.Search(set, cached.Classify, options);
        if (double.IsPositiveInfinity(score)) return reading;
        var arcs = new ImagePieces(components, options, () => all, followStrokes: true);
        CheckPieces(arcs.Pieces.Count, "separate pieces of ink");
        (NumberReading byArcs, double arcScore) = SegmentationSearch.Search(arcs, cached.Classify, options);
        return arcScore > score ? byArcs : reading;
    }

    /// <summary>For tuning (the number benchmark): <see cref="SegmentationSearch.Diagnose"/> of an RGBA image, and the
    /// piece index of every pixel (−1: none).</summary>
    internal static (double Best, double Label, int Pieces, bool Lone, int[]? PieceMap) DiagnoseRgba(ReadOnlySpan<byte> pixels,
        int width, int height, DigitBatchClassifier classify, NumberReaderOptions options, string label)
    {
        PreprocessOptions preprocess = PreprocessOptions.Default;
        int stride = DigitPreprocessor.CheckImage(pixels.Length, width, height, 0, 4, nameof(pixels));
        float[]? lum = Luminance.FromRgba(pixels, width, height, stride, PixelOrder.Rgba, preprocess, out _);
        if (lum is null) return (double.NaN, double.NaN, 0, false, null);
        InkExtractor.Outcome ink = InkExtractor.Extract(lum, width, height, preprocess.Polarity);
        if (ink.Reason != NoDigitReason.None) return (double.NaN, double.NaN, 0, false, null);
        float[] whole = (float[])lum.Clone();
        PreprocessResult all = DigitPreprocessor.FrameExtracted(whole, width, height, ink);
        var components = new InkComponents(lum, width, height);
        var set = new ImagePieces(components, options, () => all);
        (double best, double withLabel, int n, bool lone) = SegmentationSearch.Diagnose(set, classify, options, label);
        if (options.StrokeCuts && set.StrokeCutComponents > 0 && !lone)
        {
            var arcs = new ImagePieces(components, options, () => all, followStrokes: true);
            (double arcBest, double arcLabel, int arcPieces, _) = SegmentationSearch.Diagnose(arcs, classify, options, label);
            // The pieces shown are those of the cut that reaches the label (or scores best).
            if (arcLabel > withLabel || (double.IsNegativeInfinity(withLabel) && arcBest > best))
                (set, n) = (arcs, arcPieces);
            (best, withLabel) = (Math.Max(best, arcBest), Math.Max(withLabel, arcLabel));
        }
        return (best, withLabel, n, lone, set.PieceMap());
    }

    private static void CheckPieces(int count, string what)
    {
        if (count > MaxPieces)
            throw new ArgumentException($"At most {MaxPieces} {what} can be read as one number; got {count}.");
    }
}
