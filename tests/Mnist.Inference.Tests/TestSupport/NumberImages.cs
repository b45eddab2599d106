using SkiaSharp;

namespace Mnist.Tests.Shared;

/// <summary>Images of numbers made of MNIST digits, for the reading tests of the Inference and Server projects (the
/// Server tests compile this file too).</summary>
internal static class NumberImages
{
    /// <summary>Two 28×28 digits side by side with an 8-pixel gap, white on black, each pixel drawn as a
    /// <paramref name="scale"/>×<paramref name="scale"/> block: a (64·scale)×(28·scale) gray PNG.</summary>
    public static byte[] SideBySidePng(byte[] left, byte[] right, int scale = 1)
    {
        int width = 64 * scale, height = 28 * scale;
        var pixels = new byte[width * height];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < 28 * scale; x++)
            {
                int source = y / scale * 28 + x / scale;
                pixels[y * width + x] = left[source];
                pixels[y * width + 36 * scale + x] = right[source];
            }
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        System.Runtime.InteropServices.Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        using SKData png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }
}
