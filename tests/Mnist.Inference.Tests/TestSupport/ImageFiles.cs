using SkiaSharp;

namespace Mnist.Tests.Shared;

/// <summary>Encodes test images with SkiaSharp (shared by the test projects and the number bench, which compile this file).</summary>
internal static class ImageFiles
{
    /// <summary>Encodes straight-alpha RGBA with SkiaSharp.</summary>
    public static byte[] Encode(byte[] rgba, int w, int h, SKEncodedImageFormat format, int quality = 95)
    {
        var info = new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        System.Runtime.InteropServices.Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        using SKPixmap pixmap = bitmap.PeekPixels();
        using SKData data = format switch
        {
            SKEncodedImageFormat.Webp => pixmap.Encode(new SKWebpEncoderOptions(SKWebpEncoderCompression.Lossless, 100)),
            _ => pixmap.Encode(format, quality),
        } ?? throw new InvalidOperationException($"Skia cannot encode {format}.");
        return data.ToArray();
    }
}
