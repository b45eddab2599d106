namespace Mnist.Engine.Data.Augmentation;

/// <summary>
/// Produces augmented copies of byte images as floats in [0,1] (pixel/255): a random affine warp with
/// bilinear sampling (zero outside the image) and optional elastic distortion, then the optional changes of pen, writer
/// and resolution; or, for a share of the samples, a simulated photo read back through the preprocessing
/// (<see cref="PhotoSimulator"/>).
/// </summary>
/// <remarks>
/// Determinism: the random draws for sample <c>i</c> of epoch <c>e</c> come from
/// <c>new StreamRandom(seed, Domain, e, i)</c> and nothing else, so results are bit-identical for a
/// seed whatever the thread count, batch size or order of processing.
/// </remarks>
public sealed class Augmenter
{
    /// <summary>The stream id that separates augmentation draws from other uses of the same seed.</summary>
    public const ulong Domain = 0xA0_6E17;

    private readonly float[] _kernel;
    private readonly int _radius;

    // Round-trip matrices by small side, for rows and for columns: built on first use and shared by all loader
    // threads (a race only builds an identical array twice).
    private readonly float[]?[] _rowRoundTrips, _colRoundTrips;

    /// <summary>Creates an augmenter for <paramref name="rows"/>×<paramref name="cols"/> images.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public Augmenter(AugmentationOptions options, ulong seed, int rows = MnistDataset.ImageSize, int cols = MnistDataset.ImageSize)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cols);
        if (options.PhotoProbability > 0 && (rows != Preprocessing.DigitPreprocessor.Size || cols != Preprocessing.DigitPreprocessor.Size))
            throw new ArgumentException($"Photo simulation needs {Preprocessing.DigitPreprocessor.Size}x{Preprocessing.DigitPreprocessor.Size} images, the preprocessing's frame.", nameof(options));
        Options = options;
        Seed = seed;
        Rows = rows;
        Cols = cols;
        _radius = Math.Max(1, (int)MathF.Ceiling(3 * options.ElasticSigma));
        _kernel = GaussianKernel(options.ElasticSigma, _radius);
        _rowRoundTrips = new float[]?[rows + 1];
        _colRoundTrips = new float[]?[cols + 1];
    }

    /// <summary>The ranges drawn from.</summary>
    public AugmentationOptions Options { get; }

    /// <summary>The seed every stream derives from.</summary>
    public ulong Seed { get; }

    /// <summary>Image height.</summary>
    public int Rows { get; }

    /// <summary>Image width.</summary>
    public int Cols { get; }

    /// <summary>Converts bytes to floats in [0,1] (pixel/255), the no-augmentation path.</summary>
    public static void ToFloat(ReadOnlySpan<byte> image, Span<float> destination)
    {
        if (destination.Length < image.Length) throw new ArgumentException("Destination is shorter than the image.", nameof(destination));
        for (int i = 0; i < image.Length; i++) destination[i] = image[i] / 255f;
    }

    /// <summary>The random transform for sample <paramref name="sampleIndex"/> of <paramref name="epoch"/>.</summary>
    public AffineTransform SampleTransform(int epoch, long sampleIndex)
    {
        var rng = Stream(epoch, sampleIndex);
        return DrawTransform(ref rng);
    }

    /// <summary>
    /// Augments image <paramref name="sampleIndex"/> for <paramref name="epoch"/> into <paramref name="destination"/>
    /// (Rows*Cols floats). <paramref name="label"/> (negative when unknown) enables the class-specific changes.
    /// </summary>
    public void Augment(ReadOnlySpan<byte> image, Span<float> destination, int epoch, long sampleIndex, int label = -1)
    {
        CheckSizes(image, destination);
        if (Options.IsIdentity)
        {
            ToFloat(image, destination);
            return;
        }
        if (Options.PhotoProbability > 0)
        {
            // A stream of its own, so that switching photos on leaves every other sample's draws as they were.
            var photoRng = new StreamRandom(Seed, PhotoSimulator.Domain, (ulong)epoch, (ulong)sampleIndex);
            if (photoRng.NextSingle() < Options.PhotoProbability && PhotoSimulator.TrySimulate(image, destination, Options, ref photoRng)) return;
        }
        var rng = Stream(epoch, sampleIndex);
        var transform = DrawTransform(ref rng);
        if (Options.ElasticAlpha > 0)
        {
            int n = Rows * Cols;
            Span<float> dx = n <= 4096 ? stackalloc float[n] : new float[n];
            Span<float> dy = n <= 4096 ? stackalloc float[n] : new float[n];
            Span<float> scratch = n <= 4096 ? stackalloc float[n] : new float[n];
            ElasticField(ref rng, dx, scratch);
            ElasticField(ref rng, dy, scratch);
            Warp(image, destination, transform, dx, dy);
        }
        else
        {
            Warp(image, destination, transform);
        }
        Degrade(ref rng, destination[..(Rows * Cols)], label);
    }

    // Writing style, mirror, pen style, pen thickness, then resolution: the order in which a writer, a drawing and then
    // a camera would change the image. All ten values are drawn whatever the options and the label, so enabling one
    // never shifts the others' draws (the flag's three come last: they were added last).
    private void Degrade(ref StreamRandom rng, Span<float> image, int label)
    {
        var o = Options;
        float thicknessRoll = rng.Uniform(0f, 1f), thickness = rng.Uniform(-o.ThicknessMax, o.ThicknessMax);
        float resolutionRoll = rng.Uniform(0f, 1f), resolution = rng.Uniform(o.LowResolutionMin, o.LowResolutionMax);
        float flipRoll = rng.Uniform(0f, 1f);
        float strokeRoll = rng.Uniform(0f, 1f), penRadius = rng.Uniform(o.StrokePenRadiusMin, o.StrokePenRadiusMax);
        float flagRoll = rng.Uniform(0f, 1f), flagAngle = rng.Uniform(o.OneFlagAngleMin, o.OneFlagAngleMax);
        float flagLength = rng.Uniform(o.OneFlagLengthMin, o.OneFlagLengthMax);
        if (label == 1 && flagRoll < o.OneFlagProbability) OneFlag.TryAdd(image, Rows, Cols, flagAngle, flagLength);
        if (flipRoll < o.HorizontalFlipProbability)
        {
            for (int y = 0; y < Rows; y++) image.Slice(y * Cols, Cols).Reverse();
        }
        if (strokeRoll < o.StrokeStyleProbability) StrokeRestyler.Restyle(image, Rows, Cols, penRadius);
        if (thicknessRoll < o.ThicknessProbability && thickness != 0) ChangeThickness(image, thickness);
        // Not for non-digits: a blurred shirt or star taught as "not a digit" teaches that blur is no digit, and a digit
        // a few pixels tall in a photo reaches the network just as blurred.
        if (resolutionRoll < o.LowResolutionProbability && label != MnistDataset.NotADigit)
        {
            int side = Math.Clamp((int)MathF.Round(resolution * Math.Max(Rows, Cols)), 2, Math.Max(Rows, Cols));
            if (side < Math.Max(Rows, Cols)) Resample(image, side);
        }
    }

    /// <summary>
    /// Blends a 3×3 grey-level dilation (<paramref name="amount"/> &gt; 0) or erosion (&lt; 0) into
    /// <paramref name="image"/> by |<paramref name="amount"/>|.
    /// </summary>
    public void ChangeThickness(Span<float> image, float amount)
    {
        int n = Rows * Cols;
        if (image.Length != n) throw new ArgumentException($"Image must have {n} floats.", nameof(image));
        bool grow = amount > 0;
        float t = Math.Min(1f, Math.Abs(amount));
        Span<float> source = n <= 4096 ? stackalloc float[n] : new float[n];
        image.CopyTo(source);
        for (int y = 0; y < Rows; y++)
        {
            for (int x = 0; x < Cols; x++)
            {
                // Outside the image counts as background (0), so erosion also thins strokes touching the border.
                float extreme = source[y * Cols + x];
                for (int dy = -1; dy <= 1; dy++)
                {
                    for (int dx = -1; dx <= 1; dx++)
                    {
                        int yy = y + dy, xx = x + dx;
                        float v = (uint)yy < (uint)Rows && (uint)xx < (uint)Cols ? source[yy * Cols + xx] : 0f;
                        extreme = grow ? Math.Max(extreme, v) : Math.Min(extreme, v);
                    }
                }
                float own = source[y * Cols + x];
                image[y * Cols + x] = own + (extreme - own) * t;
            }
        }
    }

    /// <summary>
    /// Replaces <paramref name="image"/> by itself area-averaged down to <paramref name="side"/> pixels along its
    /// longer axis (the shorter in proportion) and scaled back up bilinearly.
    /// </summary>
    public void Resample(Span<float> image, int side)
    {
        int n = Rows * Cols;
        if (image.Length != n) throw new ArgumentException($"Image must have {n} floats.", nameof(image));
        ArgumentOutOfRangeException.ThrowIfLessThan(side, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(side, Math.Max(Rows, Cols));
        float factor = (float)side / Math.Max(Rows, Cols);
        int smallRows = Math.Max(1, (int)MathF.Round(Rows * factor)), smallCols = Math.Max(1, (int)MathF.Round(Cols * factor));
        // Separable: each axis maps through (upsample · downsample), a Rows×Rows (Cols×Cols) matrix.
        float[] vertical = _rowRoundTrips[smallRows] ??= RoundTrip(Rows, smallRows);
        float[] horizontal = _colRoundTrips[smallCols] ??= RoundTrip(Cols, smallCols);
        Span<float> rowsDone = n <= 4096 ? stackalloc float[n] : new float[n];
        for (int y = 0; y < Rows; y++)
        {
            for (int x = 0; x < Cols; x++)
            {
                float sum = 0;
                for (int k = 0; k < Cols; k++) sum += horizontal[x * Cols + k] * image[y * Cols + k];
                rowsDone[y * Cols + x] = sum;
            }
        }
        for (int y = 0; y < Rows; y++)
        {
            for (int x = 0; x < Cols; x++)
            {
                float sum = 0;
                for (int k = 0; k < Rows; k++) sum += vertical[y * Rows + k] * rowsDone[k * Cols + x];
                image[y * Cols + x] = sum;
            }
        }
    }

    // The size×size matrix of "area-average to small pixels, then bilinear back to size pixels" along one axis.
    private static float[] RoundTrip(int size, int small)
    {
        var down = new float[small * size];
        float width = (float)size / small;
        for (int i = 0; i < small; i++)
        {
            float start = i * width, end = start + width;
            for (int k = (int)MathF.Floor(start); k < size && k < end; k++)
            {
                float overlap = Math.Min(end, k + 1) - Math.Max(start, k);
                if (overlap > 0) down[i * size + k] = overlap / width;
            }
        }
        var result = new float[size * size];
        for (int x = 0; x < size; x++)
        {
            // Pixel centres line up: x + 0.5 in the large image is (x + 0.5) / width in the small one.
            float s = Math.Clamp((x + 0.5f) / width - 0.5f, 0f, small - 1);
            int s0 = (int)MathF.Floor(s), s1 = Math.Min(s0 + 1, small - 1);
            float f = s - s0;
            for (int k = 0; k < size; k++)
                result[x * size + k] = (1 - f) * down[s0 * size + k] + f * down[s1 * size + k];
        }
        return result;
    }

    /// <summary>
    /// Augments <paramref name="count"/> samples into <paramref name="destination"/> ([count, Rows*Cols]),
    /// sample <c>k</c> being <paramref name="data"/>[<paramref name="indices"/>[k]], on up to
    /// <paramref name="threads"/> threads. The output does not depend on <paramref name="threads"/>.
    /// </summary>
    public void AugmentBatch(MnistDataset data, int[] indices, int count, float[] destination, int epoch, int threads)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(indices);
        ArgumentNullException.ThrowIfNull(destination);
        int pixels = Rows * Cols;
        if (data.Rows != Rows || data.Cols != Cols) throw new ArgumentException("Dataset image size differs from the augmenter's.", nameof(data));
        if (count > indices.Length || (long)count * pixels > destination.Length) throw new ArgumentException("Buffers are too small for count samples.", nameof(count));
        void Run(int start, int end)
        {
            for (int k = start; k < end; k++)
                Augment(data.Image(indices[k]), destination.AsSpan(k * pixels, pixels), epoch, indices[k], data.Labels[indices[k]]);
        }
        int chunks = Math.Clamp(threads, 1, Math.Max(1, count / 8));
        if (chunks <= 1 || Options.IsIdentity)
        {
            Run(0, count);
            return;
        }
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = chunks }, c =>
        {
            var (start, end) = Kernels.Common.Parallelism.ChunkRange(count, chunks, c);
            Run(start, end);
        });
    }

    /// <summary>
    /// Warps <paramref name="image"/> by <paramref name="transform"/> into <paramref name="destination"/>
    /// with bilinear sampling. When given, the displacement fields (Rows*Cols each, in pixels) are added
    /// to each output position before the inverse affine map (elastic distortion).
    /// </summary>
    public void Warp(ReadOnlySpan<byte> image, Span<float> destination, AffineTransform transform,
        ReadOnlySpan<float> displacementX = default, ReadOnlySpan<float> displacementY = default)
    {
        CheckSizes(image, destination);
        bool elastic = !displacementX.IsEmpty;
        if (elastic && (displacementX.Length != Rows * Cols || displacementY.Length != Rows * Cols))
            throw new ArgumentException("Displacement fields must have Rows*Cols elements each.", nameof(displacementX));
        var (a, b, c, d) = transform.InverseMatrix();
        float cx = (Cols - 1) * 0.5f, cy = (Rows - 1) * 0.5f;
        for (int y = 0; y < Rows; y++)
        {
            for (int x = 0; x < Cols; x++)
            {
                int o = y * Cols + x;
                float px = x - cx - transform.ShiftX, py = y - cy - transform.ShiftY;
                if (elastic)
                {
                    px += displacementX[o];
                    py += displacementY[o];
                }
                float sx = a * px + b * py + cx, sy = c * px + d * py + cy;
                destination[o] = Bilinear(image, Rows, Cols, sx, sy) / 255f;
            }
        }
    }

    private StreamRandom Stream(int epoch, long sampleIndex) => new(Seed, Domain, (ulong)epoch, (ulong)sampleIndex);

    private AffineTransform DrawTransform(ref StreamRandom rng)
    {
        // Always draw all five values, so adding a range never shifts the other draws.
        var o = Options;
        float rotation = rng.Uniform(-o.RotationDegrees, o.RotationDegrees);
        float scale = rng.Uniform(o.ScaleMin, o.ScaleMax);
        float shear = rng.Uniform(-o.ShearDegrees, o.ShearDegrees);
        float sx = rng.Uniform(-o.ShiftPixels, o.ShiftPixels);
        float sy = rng.Uniform(-o.ShiftPixels, o.ShiftPixels);
        return new AffineTransform(rotation, scale, shear, sx, sy);
    }

    // Uniform [-1,1] noise, smoothed by a separable, zero-padded Gaussian, times alpha.
    private void ElasticField(ref StreamRandom rng, Span<float> field, Span<float> scratch)
    {
        for (int i = 0; i < field.Length; i++) field[i] = rng.Uniform(-1f, 1f);
        int r = _radius;
        for (int y = 0; y < Rows; y++)
        {
            for (int x = 0; x < Cols; x++)
            {
                float sum = 0;
                for (int k = Math.Max(-r, -x); k <= Math.Min(r, Cols - 1 - x); k++) sum += _kernel[k + r] * field[y * Cols + x + k];
                scratch[y * Cols + x] = sum;
            }
        }
        float alpha = Options.ElasticAlpha;
        for (int y = 0; y < Rows; y++)
        {
            for (int x = 0; x < Cols; x++)
            {
                float sum = 0;
                for (int k = Math.Max(-r, -y); k <= Math.Min(r, Rows - 1 - y); k++) sum += _kernel[k + r] * scratch[(y + k) * Cols + x];
                field[y * Cols + x] = alpha * sum;
            }
        }
    }

    /// <summary>
    /// <paramref name="image"/> (<paramref name="rows"/>×<paramref name="cols"/> bytes) sampled bilinearly at
    /// (<paramref name="sx"/>, <paramref name="sy"/>) in pixel units, 0 outside; in 0–255. The affine warp and the photo
    /// simulation both sample with it.
    /// </summary>
    internal static float Bilinear(ReadOnlySpan<byte> image, int rows, int cols, float sx, float sy)
    {
        if (!(sx > -1f && sy > -1f && sx < cols && sy < rows)) return 0f;
        int x0 = (int)MathF.Floor(sx), y0 = (int)MathF.Floor(sy);
        float fx = sx - x0, fy = sy - y0;
        float p00 = Pixel(image, rows, cols, x0, y0), p10 = Pixel(image, rows, cols, x0 + 1, y0);
        float p01 = Pixel(image, rows, cols, x0, y0 + 1), p11 = Pixel(image, rows, cols, x0 + 1, y0 + 1);
        float top = p00 + (p10 - p00) * fx, bottom = p01 + (p11 - p01) * fx;
        return top + (bottom - top) * fy;
    }

    private static float Pixel(ReadOnlySpan<byte> image, int rows, int cols, int x, int y) =>
        (uint)x < (uint)cols && (uint)y < (uint)rows ? image[y * cols + x] : 0f;

    private void CheckSizes(ReadOnlySpan<byte> image, Span<float> destination)
    {
        int n = Rows * Cols;
        if (image.Length != n) throw new ArgumentException($"Image must have {Rows}x{Cols} bytes.", nameof(image));
        if (destination.Length < n) throw new ArgumentException($"Destination must hold {n} floats.", nameof(destination));
    }

    private static float[] GaussianKernel(float sigma, int radius)
    {
        var k = new float[2 * radius + 1];
        double sum = 0;
        for (int i = -radius; i <= radius; i++) sum += k[i + radius] = (float)Math.Exp(-(i * i) / (2.0 * sigma * sigma));
        for (int i = 0; i < k.Length; i++) k[i] = (float)(k[i] / sum);
        return k;
    }
}
