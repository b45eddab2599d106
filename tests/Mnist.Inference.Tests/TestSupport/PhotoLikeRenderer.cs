using Mnist.Engine.Tensors;
using SkiaSharp;

namespace Mnist.Tests.Shared;

/// <summary>
/// An MNIST digit rendered the way photos and screenshots arrive — either polarity, scaled 0.3×–3×, anywhere on a
/// canvas, rotated up to ±15°, with noise, a coloured background and JPEG compression. The photo-like test holds the
/// shipped model to it on MNIST test digits; the number bench's <c>photolike</c> command renders any digits with it
/// (MNIST training images held out of a validation split), so a recipe is chosen without looking at the test.
/// </summary>
internal static class PhotoLikeRenderer
{
    /// <summary>One MNIST digit rendered as a photo-like JPEG; returns the bytes and what was done.</summary>
    public static (byte[] Jpeg, string Description) Render(byte[] digit, SplitMix rng)
    {
        float scale = 0.3f + (float)rng.NextDouble() * 2.7f;          // 0.3x – 3x of 28 px
        float angle = ((float)rng.NextDouble() * 2 - 1) * 15f;          // ±15°
        bool darkOnLight = rng.NextDouble() < 0.5;
        int size = (int)(28 * scale);
        int w = Math.Max(size + 8, 40 + rng.NextInt(200)), h = Math.Max(size + 8, 40 + rng.NextInt(200));
        // A coloured background and ink of contrasting lightness.
        byte bgLevel = (byte)(darkOnLight ? 170 + rng.NextInt(80) : rng.NextInt(70));
        var background = new SKColor(Tint(bgLevel, rng), Tint(bgLevel, rng), Tint(bgLevel, rng));
        byte inkLevel = (byte)(darkOnLight ? rng.NextInt(60) : 200 + rng.NextInt(55));
        var ink = new SKColor(Tint(inkLevel, rng), Tint(inkLevel, rng), Tint(inkLevel, rng));

        // The digit as an alpha mask coloured with the ink.
        var digitRgba = new byte[28 * 28 * 4];
        for (int p = 0; p < 784; p++)
        {
            digitRgba[p * 4] = ink.Red; digitRgba[p * 4 + 1] = ink.Green; digitRgba[p * 4 + 2] = ink.Blue; digitRgba[p * 4 + 3] = digit[p];
        }
        using var digitImage = SKImage.FromPixelCopy(new SKImageInfo(28, 28, SKColorType.Rgba8888, SKAlphaType.Unpremul), digitRgba);
        using var surface = SKSurface.Create(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Premul));
        var canvas = surface.Canvas;
        canvas.Clear(background);
        float cx = size / 2f + (float)rng.NextDouble() * (w - size), cy = size / 2f + (float)rng.NextDouble() * (h - size);
        canvas.Translate(cx, cy);
        canvas.RotateDegrees(angle);
        canvas.Scale(scale);
        using var paint = new SKPaint { IsAntialias = true };
        canvas.DrawImage(digitImage, new SKRect(-14, -14, 14, 14), new SKSamplingOptions(SKFilterMode.Linear), paint);
        canvas.ResetMatrix();

        // Sensor-like noise, then JPEG.
        using var snapshot = surface.Snapshot();
        using var bitmap = SKBitmap.FromImage(snapshot);
        var pixels = bitmap.GetPixelSpan().ToArray();
        int noise = 4 + rng.NextInt(12);
        for (int p = 0; p < pixels.Length; p++)
        {
            if ((p & 3) == 3) continue;
            int v = pixels[p] + (int)(rng.NextGaussian() * noise);
            pixels[p] = (byte)Math.Clamp(v, 0, 255);
        }
        int quality = 40 + rng.NextInt(50);
        var jpeg = ImageFiles.Encode(pixels, w, h, SKEncodedImageFormat.Jpeg, quality);
        return (jpeg, $"{w}x{h} scale {scale:F2} angle {angle:F1} {(darkOnLight ? "dark-on-light" : "light-on-dark")} noise {noise} q{quality}");
    }

    private static byte Tint(byte level, SplitMix rng) => (byte)Math.Clamp(level + rng.NextInt(41) - 20, 0, 255);
}
