namespace Mnist.Imaging;

/// <summary>Why <see cref="ImageDecoder"/> rejected an input. Servers map these to 4xx statuses.</summary>
public enum ImageDecodeReason
{
    /// <summary>Zero bytes.</summary>
    Empty,

    /// <summary>More encoded bytes than <see cref="ImageDecoderOptions.MaxEncodedBytes"/> (HTTP 413).</summary>
    TooManyBytes,

    /// <summary>Not PNG, JPEG, WebP, BMP or GIF (HTTP 415).</summary>
    UnsupportedFormat,

    /// <summary>The data ends before the image does.</summary>
    Truncated,

    /// <summary>The data is damaged or not what its signature claims.</summary>
    Corrupt,

    /// <summary>Width or height above <see cref="ImageDecoderOptions.MaxWidth"/> / <see cref="ImageDecoderOptions.MaxHeight"/>
    /// (read from the header, before any pixel memory is allocated).</summary>
    TooLarge,

    /// <summary>Width·height above <see cref="ImageDecoderOptions.MaxPixels"/> (a decompression bomb or a huge photo).</summary>
    TooManyPixels,
}
