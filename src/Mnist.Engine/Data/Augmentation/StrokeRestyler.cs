namespace Mnist.Engine.Data.Augmentation;

/// <summary>
/// Redraws a grey-level digit the way the stroke path of preprocessing draws pen input: the ink is thinned to its
/// one-pixel skeleton (Zhang and Suen's parallel thinning, 1984) and the skeleton is drawn again with a round,
/// anti-aliased pen of uniform radius. MNIST's scanned ink swells and fades along a stroke; a tablet's strokes
/// rendered by <c>DigitPreprocessor.FromStrokes</c> never do, and a network that has only seen the former reads the
/// latter less well.
/// </summary>
public static class StrokeRestyler
{
    /// <summary>Pixels at or above this value count as ink for thinning.</summary>
    public const float InkThreshold = 0.4f;

    /// <summary>
    /// Replaces <paramref name="image"/> (<paramref name="rows"/>×<paramref name="cols"/>, values in [0,1]) by its skeleton
    /// drawn with a pen of radius <paramref name="penRadius"/> pixels. An image without ink is left as it is.
    /// </summary>
    public static void Restyle(Span<float> image, int rows, int cols, float penRadius)
    {
        int n = rows * cols;
        if (image.Length != n) throw new ArgumentException($"Image must have {n} floats.", nameof(image));
        if (!(penRadius > 0 && penRadius < Math.Max(rows, cols))) throw new ArgumentOutOfRangeException(nameof(penRadius));
        Span<byte> skeleton = n <= 4096 ? stackalloc byte[n] : new byte[n];
        int ink = 0;
        for (int i = 0; i < n; i++) ink += skeleton[i] = image[i] >= InkThreshold ? (byte)1 : (byte)0;
        if (ink == 0) return;
        Thin(skeleton, rows, cols);
        Draw(skeleton, image, rows, cols, penRadius);
    }

    /// <summary>Thins a binary image (1 = ink) in place to a skeleton one pixel wide, 8-connected.</summary>
    public static void Thin(Span<byte> image, int rows, int cols)
    {
        if (image.Length != rows * cols) throw new ArgumentException("Image size does not match rows*cols.", nameof(image));
        Span<int> marked = image.Length <= 4096 ? stackalloc int[image.Length] : new int[image.Length];
        bool changed = true;
        while (changed)
        {
            changed = false;
            for (int pass = 0; pass < 2; pass++)
            {
                int count = 0;
                for (int y = 0; y < rows; y++)
                {
                    for (int x = 0; x < cols; x++)
                    {
                        if (image[y * cols + x] == 0) continue;
                        // Neighbours clockwise from north: p2 (N), p3 (NE), p4 (E), ..., p9 (NW); outside = background.
                        int p2 = At(image, rows, cols, x, y - 1), p3 = At(image, rows, cols, x + 1, y - 1);
                        int p4 = At(image, rows, cols, x + 1, y), p5 = At(image, rows, cols, x + 1, y + 1);
                        int p6 = At(image, rows, cols, x, y + 1), p7 = At(image, rows, cols, x - 1, y + 1);
                        int p8 = At(image, rows, cols, x - 1, y), p9 = At(image, rows, cols, x - 1, y - 1);
                        int neighbours = p2 + p3 + p4 + p5 + p6 + p7 + p8 + p9;
                        if (neighbours < 2 || neighbours > 6) continue;
                        int transitions = (p2 == 0 && p3 == 1 ? 1 : 0) + (p3 == 0 && p4 == 1 ? 1 : 0) + (p4 == 0 && p5 == 1 ? 1 : 0)
                            + (p5 == 0 && p6 == 1 ? 1 : 0) + (p6 == 0 && p7 == 1 ? 1 : 0) + (p7 == 0 && p8 == 1 ? 1 : 0)
                            + (p8 == 0 && p9 == 1 ? 1 : 0) + (p9 == 0 && p2 == 1 ? 1 : 0);
                        if (transitions != 1) continue;
                        bool remove = pass == 0
                            ? p2 * p4 * p6 == 0 && p4 * p6 * p8 == 0   // south-east boundary and north-west corner
                            : p2 * p4 * p8 == 0 && p2 * p6 * p8 == 0;  // north-west boundary and south-east corner
                        if (remove) marked[count++] = y * cols + x;
                    }
                }
                for (int i = 0; i < count; i++) image[marked[i]] = 0;
                changed |= count > 0;
            }
        }
    }

    // Coverage = clamp(r + 0.5 − distance to the skeleton, 0, 1), the distance taken to the segments joining
    // 8-connected skeleton pixels (centre to centre), so diagonal strokes come out as smooth as straight ones.
    private static void Draw(ReadOnlySpan<byte> skeleton, Span<float> image, int rows, int cols, float radius)
    {
        image.Clear();
        int reach = (int)MathF.Ceiling(radius + 0.5f);
        for (int y = 0; y < rows; y++)
        {
            for (int x = 0; x < cols; x++)
            {
                if (skeleton[y * cols + x] == 0) continue;
                bool joined = false;
                // Each pair once: east, south-west, south, south-east.
                foreach (var (dx, dy) in Forward)
                {
                    int nx = x + dx, ny = y + dy;
                    if ((uint)nx >= (uint)cols || (uint)ny >= (uint)rows || skeleton[ny * cols + nx] == 0) continue;
                    Stamp(image, rows, cols, x, y, nx, ny, radius, reach);
                    joined = true;
                }
                if (!joined) Stamp(image, rows, cols, x, y, x, y, radius, reach); // an end or a lone dot
            }
        }
    }

    private static readonly (int Dx, int Dy)[] Forward = [(1, 0), (-1, 1), (0, 1), (1, 1)];

    private static void Stamp(Span<float> image, int rows, int cols, int ax, int ay, int bx, int by, float radius, int reach)
    {
        int x0 = Math.Max(0, Math.Min(ax, bx) - reach), x1 = Math.Min(cols - 1, Math.Max(ax, bx) + reach);
        int y0 = Math.Max(0, Math.Min(ay, by) - reach), y1 = Math.Min(rows - 1, Math.Max(ay, by) + reach);
        float vx = bx - ax, vy = by - ay, length2 = vx * vx + vy * vy;
        for (int y = y0; y <= y1; y++)
        {
            for (int x = x0; x <= x1; x++)
            {
                float wx = x - ax, wy = y - ay;
                float t = length2 > 0 ? Math.Clamp((wx * vx + wy * vy) / length2, 0f, 1f) : 0f;
                float ex = wx - t * vx, ey = wy - t * vy;
                float coverage = Math.Clamp(radius + 0.5f - MathF.Sqrt(ex * ex + ey * ey), 0f, 1f);
                ref float pixel = ref image[y * cols + x];
                if (coverage > pixel) pixel = coverage;
            }
        }
    }

    private static int At(ReadOnlySpan<byte> image, int rows, int cols, int x, int y) =>
        (uint)x < (uint)cols && (uint)y < (uint)rows ? image[y * cols + x] : 0;
}
