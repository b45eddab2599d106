namespace Mnist.Engine.Preprocessing;

/// <summary>Step A of <see cref="DigitPreprocessor"/>: 8-bit pixels to luminance in [0, 1].</summary>
internal static class Luminance
{
    // Rec.601 luma weights (JPEG, PIL "L", most decoders' gray conversion), applied to the 8-bit values as stored
    // (gamma-encoded sRGB, no linearization), like MNIST-era tools.
    public const float WeightR = 0.299f;
    public const float WeightG = 0.587f;
    public const float WeightB = 0.114f;

    public static float[] FromGray(ReadOnlySpan<byte> gray, int width, int height, int stride)
    {
        var lum = new float[width * height];
        for (int y = 0; y < height; y++)
        {
            ReadOnlySpan<byte> row = gray.Slice(y * stride, width);
            int o = y * width;
            for (int x = 0; x < width; x++) lum[o + x] = row[x] / 255f;
        }
        return lum;
    }

    /// <summary>Composites over the transparent background; null when no pixel is visible (all alpha 0).</summary>
    public static float[]? FromRgba(ReadOnlySpan<byte> px, int width, int height, int stride, PixelOrder order,
        PreprocessOptions options, out float transparentBackground)
    {
        int ri = order == PixelOrder.Rgba ? 0 : 2, bi = 2 - ri;
        var lum = new float[width * height];
        double sumAlpha = 0, sumLuma = 0;
        bool anyTransparent = false;
        // Pass 1: alpha-weighted luma Yp (premultiplied luma) of every pixel, and the statistics of the visible content.
        for (int y = 0; y < height; y++)
        {
            ReadOnlySpan<byte> row = px.Slice(y * stride, width * 4);
            int o = y * width;
            for (int x = 0; x < width; x++)
            {
                int p = x * 4;
                float a = row[p + 3] / 255f;
                float luma = (WeightR * row[p + ri] + WeightG * row[p + 1] + WeightB * row[p + bi]) / 255f;
                float yp = options.PremultipliedAlpha ? Math.Min(luma, a) : a * luma;
                lum[o + x] = yp;
                sumAlpha += a;
                sumLuma += yp;
                anyTransparent |= row[p + 3] != 255;
            }
        }
        transparentBackground = 0f;
        if (sumAlpha <= 0) return null;
        if (!anyTransparent) return lum;
        transparentBackground = options.TransparentBackground switch
        {
            TransparentBackground.Black => 0f,
            TransparentBackground.White => 1f,
            _ => sumLuma / sumAlpha < 0.5 ? 1f : 0f,
        };
        // Pass 2: L = Yp + (1 − a)·B ("over" compositing onto the background B).
        float bg = transparentBackground;
        for (int y = 0; y < height; y++)
        {
            ReadOnlySpan<byte> row = px.Slice(y * stride, width * 4);
            int o = y * width;
            for (int x = 0; x < width; x++)
            {
                float a = row[x * 4 + 3] / 255f;
                float v = lum[o + x] + (1f - a) * bg;
                lum[o + x] = v > 1f ? 1f : v;
            }
        }
        return lum;
    }
}
