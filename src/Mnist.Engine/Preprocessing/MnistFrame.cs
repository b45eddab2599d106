namespace Mnist.Engine.Preprocessing;

/// <summary>
/// Steps C and D of <see cref="DigitPreprocessor"/>: find the ink's box in a coverage image (white ink on black,
/// [0, 1]), reject dots and blobs, then fit the box into 20 px and place it by centre of mass in 28×28.
/// </summary>
internal static class MnistFrame
{
    public const int Size = 28;
    public const int BoxSize = 20;

    /// <summary>Centre-of-mass target in continuous frame coordinates: pixel index 14 (its centre is at 14.5).</summary>
    public const float CentreTarget = 14.5f;

    /// <summary>Coverage at or above this is ink for the bounding box.</summary>
    public const float BoxThreshold = 0.2f;

    /// <summary>An ink box whose longer side is below this many pixels is a dot.</summary>
    public const int MinInkExtentPixels = 3;

    /// <summary>An ink box whose longer side is below this fraction of the image's longer side is a dot.</summary>
    public const float MinInkExtentFraction = 0.025f;

    /// <summary>A box at least this square (shorter/longer side) ...</summary>
    public const float BlobMinAspect = 0.7f;

    /// <summary>... and at least this full (ink mass / box area) is a blob. MNIST's test digits stay below 0.71.</summary>
    public const float BlobMinFill = 0.72f;

    internal readonly record struct Box(int X, int Y, int Width, int Height);

    /// <summary>C1–C3: despeckle, bounding box, dot and blob checks. Zeroes isolated ink pixels of <paramref name="u"/>.</summary>
    public static (NoDigitReason Reason, string? Message, Box Box) FindInk(float[] u, int width, int height, bool checkExtent)
    {
        // C1. An ink pixel (u ≥ 0.2) none of whose 8 neighbours is ink is a speck: set u = 0 there.
        // (Order does not matter: a speck is nobody's ink neighbour.)
        int x0 = int.MaxValue, y0 = int.MaxValue, x1 = -1, y1 = -1;
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int i = y * width + x;
                if (u[i] < BoxThreshold) continue;
                if (!HasInkNeighbour(u, width, height, x, y)) { u[i] = 0f; continue; }
                // C2. Bounding box of the remaining ink pixels.
                if (x < x0) x0 = x;
                if (x > x1) x1 = x;
                if (y < y0) y0 = y;
                if (y > y1) y1 = y;
            }
        }
        if (x1 < 0)
            return (NoDigitReason.TooLittleInk, "Too little ink: nothing but isolated specks.", default);
        var box = new Box(x0, y0, x1 - x0 + 1, y1 - y0 + 1);
        int longSide = Math.Max(box.Width, box.Height);
        int shortSide = Math.Min(box.Width, box.Height);
        // C3. Dots and blobs.
        if (checkExtent && (longSide < MinInkExtentPixels || longSide < MinInkExtentFraction * Math.Max(width, height)))
            return (NoDigitReason.TooSmall, "Too small: the ink is a dot, not a digit.", box);
        double mass = 0;
        for (int y = y0; y <= y1; y++)
            for (int x = x0; x <= x1; x++) mass += u[y * width + x];
        if ((float)shortSide / longSide >= BlobMinAspect && mass / ((double)box.Width * box.Height) >= BlobMinFill)
            return (NoDigitReason.Blob, "A filled blob, not a digit.", box);
        return (NoDigitReason.None, null, box);
    }

    private static bool HasInkNeighbour(float[] u, int width, int height, int x, int y)
    {
        for (int dy = -1; dy <= 1; dy++)
        {
            int yy = y + dy;
            if ((uint)yy >= (uint)height) continue;
            for (int dx = -1; dx <= 1; dx++)
            {
                int xx = x + dx;
                if ((dx | dy) == 0 || (uint)xx >= (uint)width) continue;
                if (u[yy * width + xx] >= BoxThreshold) return true;
            }
        }
        return false;
    }

    /// <summary>D1–D4: scale the box's longer side to 20 px and place the centre of mass at index (14, 14).</summary>
    public static float[] Place(float[] u, int width, Box box, out float scale)
    {
        // D1. Scale s = 20 / max(W, H).
        float s = (float)BoxSize / Math.Max(box.Width, box.Height);
        // D2. Centre of mass over the box, pixel centres at x + 0.5 (float64 sums).
        double mass = 0, mx = 0, my = 0;
        for (int y = box.Y; y < box.Y + box.Height; y++)
        {
            for (int x = box.X; x < box.X + box.Width; x++)
            {
                double v = u[y * width + x];
                mass += v;
                mx += v * (x + 0.5);
                my += v * (y + 0.5);
            }
        }
        float cx = (float)(mx / mass), cy = (float)(my / mass);
        // D3. Output position of the box's top-left edge so that the centre of mass lands on 14.5.
        float offX = CentreTarget - (cx - box.X) * s;
        float offY = CentreTarget - (cy - box.Y) * s;
        // D4. Separable resampling: window of width F = max(1/s, 1) source px centred on each output pixel centre.
        float[] wx = Weights(box.X, box.Width, offX, s);
        float[] wy = Weights(box.Y, box.Height, offY, s);
        var rows = new float[box.Height * Size];
        for (int y = 0; y < box.Height; y++)
        {
            int o = (box.Y + y) * width + box.X;
            for (int i = 0; i < Size; i++)
            {
                float acc = 0f;
                int wo = i * box.Width;
                for (int x = 0; x < box.Width; x++) acc += wx[wo + x] * u[o + x];
                rows[y * Size + i] = acc;
            }
        }
        var output = new float[Size * Size];
        for (int j = 0; j < Size; j++)
        {
            int wo = j * box.Height;
            for (int i = 0; i < Size; i++)
            {
                float acc = 0f;
                for (int y = 0; y < box.Height; y++) acc += wy[wo + y] * rows[y * Size + i];
                output[j * Size + i] = acc > 1f ? 1f : acc;
            }
        }
        scale = s;
        return output;
    }

    /// <summary>
    /// Weights [28, n]: for output index i, the window [c − F/2, c + F/2] with c = start + (i + 0.5 − offset)/s and
    /// F = max(1/s, 1); source pixel k (covering [start + k, start + k + 1)) gets overlap/F.
    /// </summary>
    private static float[] Weights(int start, int n, float offset, float s)
    {
        var w = new float[Size * n];
        float f = Math.Max(1f / s, 1f);
        for (int i = 0; i < Size; i++)
        {
            float c = start + (i + 0.5f - offset) / s;
            float lo = c - 0.5f * f, hi = c + 0.5f * f;
            int kFirst = Math.Max(0, (int)MathF.Floor(lo) - start);
            int kLast = Math.Min(n - 1, (int)MathF.Floor(hi) - start);
            for (int k = kFirst; k <= kLast; k++)
            {
                float a = Math.Max(lo, start + k), b = Math.Min(hi, start + k + 1f);
                if (b > a) w[i * n + k] = (b - a) / f;
            }
        }
        return w;
    }
}
