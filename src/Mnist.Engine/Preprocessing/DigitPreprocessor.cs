namespace Mnist.Engine.Preprocessing;

/// <summary>
/// The single definition of MNIST-style preprocessing (docs/design.md): pixel buffers and pen strokes become the 28×28
/// white-on-black image the models expect, or an explicit "no digit".
/// </summary>
/// <remarks>
/// <para>
/// Coordinates: a pixel (x, y) covers [x, x+1) × [y, y+1); its centre is (x + 0.5, y + 0.5). Per-pixel values are
/// float32; sums over many pixels (moments, masses, polarity totals) are float64. Everything is deterministic.
/// Step letters below are referenced from the code.
/// </para>
/// <para><b>A. Luminance</b> L in [0, 1].</para>
/// <list type="bullet">
/// <item>Gray: L = g / 255.</item>
/// <item>Colour: luma Y = (0.299·R + 0.587·G + 0.114·B) / 255 (Rec.601 weights on the stored, gamma-encoded values),
/// alpha a = A / 255. Straight alpha: Yp = a·Y; premultiplied (<see cref="PreprocessOptions.PremultipliedAlpha"/>):
/// Yp = min(Y, a). If every A is 255, L = Yp. If every A is 0: "no digit" (<see cref="NoDigitReason.NoInk"/>).
/// Otherwise the background B a transparent pixel stands for is, by default, the opposite of the visible content:
/// m = ΣYp / Σa (float64); B = 1 (white) if m &lt; 0.5 else 0 (black); L = min(1, Yp + (1 − a)·B). So black or
/// coloured ink on a transparent canvas reads as dark ink on white, white ink on transparent as white on black.</item>
/// </list>
/// <para><b>B. Background, polarity, contrast</b> (images only). Quantiles use a 1024-bin histogram over [0, 1]
/// (values clamped): the q-quantile of n values is (b + 0.5)/1024 for the bin b holding the value of rank
/// floor(q·(n − 1)).</para>
/// <list type="number">
/// <item>Border ring: the pixels with x &lt; b, x ≥ w − b, y &lt; b or y ≥ h − b, b = max(1, floor(min(w, h)/20)).
/// bg0 = median of the ring; sides top/bottom/left/right (corners in two sides) give medians mT, mB, mL, mR;
/// gx = mR − mL, gy = mB − mT.</item>
/// <item>Residual r = L − (bg0 + gx·((x + 0.5)/w − 0.5) + gy·((y + 0.5)/h − 0.5)) — a linear model of uneven
/// lighting. Noise σ = 1.4826 · median(|r|) over the ring. Threshold T = max(0.2, 4σ); floor f = 3σ.</item>
/// <item>Polarity: up = Σ max(0, r − T), down = Σ max(0, −r − T) over all pixels. Both 0: "no digit"
/// (<see cref="NoDigitReason.NoInk"/>, uniform image). Dark ink on light (invert) iff down &gt; up, unless
/// <see cref="PreprocessOptions.Polarity"/> fixes it. d = r, or −r when inverted.</item>
/// <item>Ink level I = median of d over the pixels with d &gt; T; fewer than 4 such pixels: "no digit"
/// (<see cref="NoDigitReason.TooLittleInk"/>).</item>
/// <item>Coverage u = clamp((d − f) / (I − f), 0, 1): background → 0, typical ink → 1, anti-aliasing kept as grey.</item>
/// </list>
/// <para><b>C. Ink box</b> (images and strokes), on u.</para>
/// <list type="number">
/// <item>Ink pixels are u ≥ 0.2. An ink pixel with no ink pixel among its 8 neighbours is a speck: u := 0.</item>
/// <item>The box (x0, y0, W, H) is the bounding box of the remaining ink pixels, in whole pixels. None: "no digit"
/// (<see cref="NoDigitReason.TooLittleInk"/>).</item>
/// <item>Images only: max(W, H) &lt; 3 or &lt; 0.025 · max(w, h) → <see cref="NoDigitReason.TooSmall"/> (a dot).
/// Both paths: min(W,H)/max(W,H) ≥ 0.7 and Σu over the box / (W·H) ≥ 0.72 → <see cref="NoDigitReason.Blob"/>.</item>
/// </list>
/// <para><b>D. Frame</b>: fit into 20 px and centre by centre of mass in 28×28.</para>
/// <list type="number">
/// <item>s = 20 / max(W, H) output pixels per source pixel.</item>
/// <item>Centre of mass over the box (only pixels inside it): cx = Σ u·(x + 0.5) / Σ u, cy likewise.</item>
/// <item>offX = 14.5 − (cx − x0)·s, offY = 14.5 − (cy − y0)·s; a source point X maps to offX + (X − x0)·s.
/// So the centre of mass lands on output pixel index 14 (continuous 14.5), as in MNIST, whose test digits have a
/// mean centre of mass of (14.01, 13.99) in index terms.</item>
/// <item>Output pixel i (column; rows likewise) takes its source window [c − F/2, c + F/2], c = x0 + (i + 0.5 − offX)/s,
/// F = max(1/s, 1): exact area averaging when shrinking, which equals bilinear interpolation when enlarging or
/// shifting. Source pixel x0 + k, k in [0, W), has weight overlap([x0 + k, x0 + k + 1), window) / F; pixels outside
/// the box count as 0. Rows are resampled first (into H × 28), then columns, each sum in index order;
/// the result is clamped to ≤ 1. Ink that lands outside the 28×28 frame is lost, as in MNIST.</item>
/// </list>
/// <para><b>S. Strokes</b> (instead of A and B).</para>
/// <list type="number">
/// <item>Bounding box of all points (minX, minY, W, H), L = max(W, H). No points: <see cref="NoDigitReason.NoInk"/>.
/// L = 0 (a single dot): <see cref="NoDigitReason.TooSmall"/>. With a known canvas size (cw, ch),
/// L &lt; 0.04 · max(cw, ch): <see cref="NoDigitReason.TooSmall"/>.</item>
/// <item>Intermediate canvas: k = 80 / L canvas px per unit; pen width p = <see cref="PreprocessOptions.PenWidthFraction"/>
/// · 80 (0.15 → 12 px), radius r = p/2; margin m = ceil(r) + 2; size (ceil(W·k) + 2m) × (ceil(H·k) + 2m); a point
/// maps to ((x − minX)·k + m, (y − minY)·k + m).</item>
/// <item>Ink length I = Σ segment lengths · k. I &gt; <see cref="MaxInkLengths"/> · 80: <see cref="NoDigitReason.Blob"/>, not
/// drawn. More than <see cref="MaxDrawnPoints"/> points in all: δ = (ink length in canvas px) / <see cref="MaxDrawnPoints"/>;
/// within each stroke, a point (other than the first and last) closer than δ to the last point kept is dropped. (Added
/// in version 1 without a bump: no drawing of up to 2,000 points changes, and no training drawing has more.)</item>
/// <item>Coverage u of a pixel = max over segments of clamp(r + 0.5 − dist(pixel centre, segment), 0, 1): round caps
/// and joins, a one-point stroke is a disk.</item>
/// <item>Then C (no dot-size check) and D.</item>
/// </list>
/// </remarks>
public static class DigitPreprocessor
{
    /// <summary>The preprocessing version recorded in model cards; bump it when any step or constant changes.</summary>
    public const int Version = 1;

    /// <summary>Output side: 28.</summary>
    public const int Size = MnistFrame.Size;

    /// <summary>Output length: 784.</summary>
    public const int PixelCount = Size * Size;

    /// <summary>Side of the box the ink is fitted into: 20.</summary>
    public const int BoxSize = MnistFrame.BoxSize;

    /// <summary>Largest accepted image width.</summary>
    public const int MaxWidth = 16384;

    /// <summary>Largest accepted image height.</summary>
    public const int MaxHeight = 16384;

    /// <summary>Largest accepted width·height (25 megapixels; about 100 MB of float32 working memory).
    /// Decoders should downsample bigger photos first.</summary>
    public const long MaxPixelCount = 25_000_000;

    /// <summary>Largest accepted number of strokes.</summary>
    public const int MaxStrokes = 1000;

    /// <summary>Largest accepted total number of stroke points.</summary>
    public const int MaxStrokePoints = 100_000;

    /// <summary>Longer side, in intermediate canvas pixels, of the points' bounding box when strokes are drawn.</summary>
    public const int StrokeDrawingSize = 80;

    /// <summary>
    /// The most ink a drawing may have, in multiples of its size (<see cref="StrokeDrawingSize"/>): beyond it the
    /// strokes are reported as <see cref="NoDigitReason.Blob"/> without being drawn, which bounds the cost of any
    /// drawing within the point budget to well under a millisecond of rasterising.
    /// </summary>
    public const int MaxInkLengths = 64;

    /// <summary>
    /// Drawings with more points than this are thinned before drawing (step S3): points closer than
    /// ink length / <see cref="MaxDrawnPoints"/> to the previous kept point are skipped, which bounds the drawing cost
    /// whatever the points' spacing and moves no pixel by more than that distance. Handwriting has far fewer points
    /// (pendigits: at most a few hundred), so it is drawn exactly as given.
    /// </summary>
    public const int MaxDrawnPoints = 2000;

    /// <summary>With a known canvas, a drawing whose longer side is below this fraction of the canvas's is a dot.</summary>
    public const float MinStrokeExtentFraction = 0.04f;

    /// <summary>Preprocesses an 8-bit grayscale image (0 black, 255 white) of either polarity.</summary>
    /// <param name="gray">Pixels, row-major, <paramref name="stride"/> bytes per row.</param>
    /// <param name="width">Width in pixels, 1..<see cref="MaxWidth"/>.</param>
    /// <param name="height">Height in pixels, 1..<see cref="MaxHeight"/>.</param>
    /// <param name="stride">Bytes per row (≥ width); 0 means width.</param>
    /// <param name="options">Options; null for <see cref="PreprocessOptions.Default"/>.</param>
    /// <exception cref="ArgumentException">Bad sizes, more than <see cref="MaxPixelCount"/> pixels, or a short buffer.</exception>
    public static PreprocessResult FromGray(ReadOnlySpan<byte> gray, int width, int height, int stride = 0, PreprocessOptions? options = null)
    {
        options ??= PreprocessOptions.Default;
        options.Validate();
        stride = CheckImage(gray.Length, width, height, stride, 1, nameof(gray));
        float[] lum = Luminance.FromGray(gray, width, height, stride);
        return FromLuminance(lum, width, height, options);
    }

    /// <summary>
    /// Preprocesses an 8-bit RGBA or BGRA image, straight alpha unless <see cref="PreprocessOptions.PremultipliedAlpha"/>;
    /// transparency is composited as step A describes.
    /// </summary>
    /// <param name="pixels">4 bytes per pixel in <paramref name="order"/>, row-major, <paramref name="stride"/> bytes per row.</param>
    /// <param name="width">Width in pixels, 1..<see cref="MaxWidth"/>.</param>
    /// <param name="height">Height in pixels, 1..<see cref="MaxHeight"/>.</param>
    /// <param name="order">Channel order.</param>
    /// <param name="stride">Bytes per row (≥ 4·width); 0 means 4·width.</param>
    /// <param name="options">Options; null for <see cref="PreprocessOptions.Default"/>.</param>
    /// <exception cref="ArgumentException">Bad sizes, more than <see cref="MaxPixelCount"/> pixels, or a short buffer.</exception>
    public static PreprocessResult FromRgba(ReadOnlySpan<byte> pixels, int width, int height, PixelOrder order = PixelOrder.Rgba,
        int stride = 0, PreprocessOptions? options = null)
    {
        options ??= PreprocessOptions.Default;
        options.Validate();
        if (!Enum.IsDefined(order)) throw new ArgumentException($"Unknown pixel order {order}.", nameof(order));
        stride = CheckImage(pixels.Length, width, height, stride, 4, nameof(pixels));
        float[]? lum = Luminance.FromRgba(pixels, width, height, stride, order, options, out _);
        if (lum is null)
            return Empty(NoDigitReason.NoInk, "No ink: the image is fully transparent.");
        return FromLuminance(lum, width, height, options);
    }

    /// <summary>
    /// Draws pen strokes (step S) with a pen proportional to the drawing's size, then frames them like MNIST.
    /// </summary>
    /// <param name="strokes">Strokes (pen down to pen up), each a list of points in drawing order.</param>
    /// <param name="canvasWidth">Width of the drawing surface in the points' units when known, else 0. Enables the
    /// "too small to be a digit" check, which is impossible without a reference size.</param>
    /// <param name="canvasHeight">Height of the drawing surface when known, else 0.</param>
    /// <param name="options">Options; null for <see cref="PreprocessOptions.Default"/>.</param>
    /// <exception cref="ArgumentException">Null strokes, non-finite or absurd coordinates, too many strokes or points,
    /// negative or non-finite canvas size.</exception>
    public static PreprocessResult FromStrokes(IReadOnlyList<IReadOnlyList<StrokePoint>> strokes,
        float canvasWidth = 0f, float canvasHeight = 0f, PreprocessOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(strokes);
        options ??= PreprocessOptions.Default;
        options.Validate();
        if (!(float.IsFinite(canvasWidth) && canvasWidth >= 0f && float.IsFinite(canvasHeight) && canvasHeight >= 0f))
            throw new ArgumentException($"Canvas size must be finite and ≥ 0; got {canvasWidth}×{canvasHeight}.", nameof(canvasWidth));
        if (strokes.Count > MaxStrokes)
            throw new ArgumentException($"At most {MaxStrokes} strokes are accepted; got {strokes.Count}.", nameof(strokes));

        // S1. Bounding box of all points.
        float minX = float.PositiveInfinity, minY = float.PositiveInfinity, maxX = float.NegativeInfinity, maxY = float.NegativeInfinity;
        long pointCount = 0;
        foreach (IReadOnlyList<StrokePoint> stroke in strokes)
        {
            if (stroke is null) throw new ArgumentException("A stroke is null.", nameof(strokes));
            pointCount += stroke.Count;
            if (pointCount > MaxStrokePoints)
                throw new ArgumentException($"At most {MaxStrokePoints} points are accepted.", nameof(strokes));
            foreach (StrokePoint p in stroke)
            {
                if (!float.IsFinite(p.X) || !float.IsFinite(p.Y))
                    throw new ArgumentException($"Stroke point ({p.X}, {p.Y}) is not finite.", nameof(strokes));
                minX = Math.Min(minX, p.X); maxX = Math.Max(maxX, p.X);
                minY = Math.Min(minY, p.Y); maxY = Math.Max(maxY, p.Y);
            }
        }
        if (pointCount == 0) return Empty(NoDigitReason.NoInk, "No ink: there are no strokes.");
        float w = maxX - minX, h = maxY - minY;
        if (!float.IsFinite(w) || !float.IsFinite(h))
            throw new ArgumentException("Stroke coordinates span more than a float can hold.", nameof(strokes));
        float longSide = Math.Max(w, h);
        var bounds = new InkBounds(minX, minY, w, h);
        if (longSide <= 0f)
            return Empty(NoDigitReason.TooSmall, "Too small: a single dot, not a digit.") with { InkBounds = bounds };
        if (canvasWidth > 0f && canvasHeight > 0f && longSide < MinStrokeExtentFraction * Math.Max(canvasWidth, canvasHeight))
            return Empty(NoDigitReason.TooSmall, "Too small: the drawing is a dot compared with the canvas.") with { InkBounds = bounds };

        // S2. Intermediate canvas.
        float k = StrokeDrawingSize / longSide;
        // Drawing costs about (ink length · pen width); the point budget alone does not bound it, since 20,000 points
        // zig-zagging corner to corner are 2.3 million pixels of ink on an 80-pixel drawing (717 ms per request).
        // Handwriting stays far below the ink budget (an 8 written twice over is under 8 drawing sizes); past it
        // the strokes cover their box many times over, which is a blob, not a digit.
        double ink = 0;
        foreach (IReadOnlyList<StrokePoint> stroke in strokes)
            for (int i = 1; i < stroke.Count; i++)
                ink += Math.Sqrt(Sqr(stroke[i].X - stroke[i - 1].X) + Sqr(stroke[i].Y - stroke[i - 1].Y)) * k;
        if (ink > MaxInkLengths * StrokeDrawingSize)
            return Empty(NoDigitReason.Blob, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"A blob, not a digit: the strokes are {ink / StrokeDrawingSize:F0} times as long as the drawing is large (at most {MaxInkLengths}).")) with { InkBounds = bounds };
        float radius = 0.5f * options.PenWidthFraction * StrokeDrawingSize;
        int margin = (int)MathF.Ceiling(radius) + 2;
        int cw = (int)MathF.Ceiling(w * k) + 2 * margin, ch = (int)MathF.Ceiling(h * k) + 2 * margin;
        var canvas = new float[cw * ch];
        // S3. Draw every stroke.
        // Each segment costs about (its length + pen width) · pen width, so within the ink budget many tiny segments
        // still cost (points · pen width²): 20,000 points around a circle took 22 ms. Past MaxDrawnPoints points, a
        // point closer than δ = ink / MaxDrawnPoints to the last point kept is skipped (a stroke's last point is always
        // kept). Kept points are then ≥ δ apart along the ink, so at most MaxDrawnPoints of them plus two per stroke
        // are drawn, and the drawn polyline is within δ of the given one (every skipped point, and every segment
        // through it, lies within δ of a kept point), so no pixel's coverage moves by more than δ.
        float thinning = pointCount > MaxDrawnPoints ? (float)(ink / MaxDrawnPoints) : 0f;
        float thinning2 = thinning * thinning;
        var buffer = new List<StrokePoint>();
        foreach (IReadOnlyList<StrokePoint> stroke in strokes)
        {
            buffer.Clear();
            foreach (StrokePoint p in stroke) buffer.Add(new StrokePoint((p.X - minX) * k + margin, (p.Y - minY) * k + margin));
            Span<StrokePoint> points = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(buffer);
            if (thinning > 0f) points = points[..StrokeRasterizer.Thin(points, thinning2)];
            StrokeRasterizer.Draw(canvas, cw, ch, points, radius);
        }
        // S4. C and D.
        (NoDigitReason reason, string? message, MnistFrame.Box box) = MnistFrame.FindInk(canvas, cw, ch, checkExtent: false);
        if (reason != NoDigitReason.None) return Empty(reason, message!) with { InkBounds = bounds };
        float[] output = MnistFrame.Place(canvas, cw, box, out float s);
        return new PreprocessResult(output, NoDigitReason.None, null) { InkBounds = bounds, Scale = s * k, InkContrast = 1f };
    }

    /// <summary>
    /// Wraps an image that is already MNIST-normalized (28×28, white on black, 0–255): each value / 255, no
    /// recentring. Empty (<see cref="NoDigitReason.NoInk"/>) when no pixel reaches 0.2 (51).
    /// </summary>
    /// <exception cref="ArgumentException">Not exactly 784 values.</exception>
    public static PreprocessResult FromMnistPixels(ReadOnlySpan<byte> pixels784)
    {
        if (pixels784.Length != PixelCount)
            throw new ArgumentException($"Expected {PixelCount} pixels (28×28); got {pixels784.Length}.", nameof(pixels784));
        var output = new float[PixelCount];
        bool ink = false;
        for (int i = 0; i < PixelCount; i++)
        {
            output[i] = pixels784[i] / 255f;
            ink |= output[i] >= MnistFrame.BoxThreshold;
        }
        return ink
            ? new PreprocessResult(output, NoDigitReason.None, null) { InkBounds = new InkBounds(0, 0, Size, Size), Scale = 1f, InkContrast = 1f }
            : Empty(NoDigitReason.NoInk, "No ink: every pixel is (nearly) black.");
    }

    private static PreprocessResult FromLuminance(float[] lum, int width, int height, PreprocessOptions options)
    {
        InkExtractor.Outcome ink = InkExtractor.Extract(lum, width, height, options.Polarity);
        if (ink.Reason != NoDigitReason.None)
            return Empty(ink.Reason, ink.Message!) with { Inverted = ink.Inverted, Background = ink.Background };
        return FrameExtracted(lum, width, height, ink);
    }

    /// <summary>Steps C and D on an image whose step B has run: <paramref name="lum"/> holds the ink coverage.</summary>
    internal static PreprocessResult FrameExtracted(float[] lum, int width, int height, InkExtractor.Outcome ink)
    {
        (NoDigitReason reason, string? message, MnistFrame.Box box) = MnistFrame.FindInk(lum, width, height, checkExtent: true);
        var bounds = new InkBounds(box.X, box.Y, box.Width, box.Height);
        if (reason != NoDigitReason.None)
            return Empty(reason, message!) with { Inverted = ink.Inverted, Background = ink.Background, InkBounds = bounds, InkContrast = ink.InkContrast };
        float[] output = MnistFrame.Place(lum, width, box, out float s);
        return new PreprocessResult(output, NoDigitReason.None, null)
        {
            Inverted = ink.Inverted, Background = ink.Background, InkContrast = ink.InkContrast, InkBounds = bounds, Scale = s,
        };
    }

    internal static PreprocessResult Empty(NoDigitReason reason, string message) => new(new float[PixelCount], reason, message);

    internal static int CheckImage(int length, int width, int height, int stride, int bytesPerPixel, string name)
    {
        if (width < 1 || width > MaxWidth)
            throw new ArgumentException($"Width must be 1..{MaxWidth}; got {width}.", nameof(width));
        if (height < 1 || height > MaxHeight)
            throw new ArgumentException($"Height must be 1..{MaxHeight}; got {height}.", nameof(height));
        if ((long)width * height > MaxPixelCount)
            throw new ArgumentException($"{width}×{height} exceeds {MaxPixelCount} pixels.", nameof(width));
        long rowBytes = (long)width * bytesPerPixel;
        if (stride == 0) stride = (int)rowBytes;
        if (stride < rowBytes)
            throw new ArgumentException($"Stride {stride} is less than a row's {rowBytes} bytes.", nameof(stride));
        long needed = (long)stride * (height - 1) + rowBytes;
        if (length < needed)
            throw new ArgumentException($"Buffer has {length} bytes; {width}×{height} with stride {stride} needs {needed}.", name);
        return stride;
    }

    private static double Sqr(double v) => v * v;
}
