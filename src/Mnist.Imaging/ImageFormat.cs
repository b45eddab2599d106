namespace Mnist.Imaging;

/// <summary>Encoded image formats <see cref="ImageDecoder"/> accepts, recognized by their signature bytes.</summary>
public enum ImageFormat
{
    /// <summary>Not recognized.</summary>
    Unknown,

    /// <summary>PNG (89 50 4E 47 0D 0A 1A 0A).</summary>
    Png,

    /// <summary>JPEG (FF D8 FF); EXIF orientation is applied.</summary>
    Jpeg,

    /// <summary>WebP (RIFF····WEBP).</summary>
    WebP,

    /// <summary>BMP (BM).</summary>
    Bmp,

    /// <summary>GIF87a / GIF89a; the first frame of an animation.</summary>
    Gif,
}
