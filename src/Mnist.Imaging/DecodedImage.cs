namespace Mnist.Imaging;

/// <summary>A decoded image: straight-alpha RGBA8, upright (EXIF orientation applied), at most
/// <see cref="ImageDecoderOptions.TargetMaxSide"/> on the long side.</summary>
public sealed class DecodedImage
{
    internal DecodedImage(byte[] rgba, int width, int height, ImageFormat format, int sourceWidth, int sourceHeight, int orientation, int frameCount)
    {
        Rgba = rgba;
        Width = width;
        Height = height;
        Format = format;
        SourceWidth = sourceWidth;
        SourceHeight = sourceHeight;
        Orientation = orientation;
        FrameCount = frameCount;
    }

    /// <summary>Width·Height·4 bytes, R G B A per pixel, row-major, alpha not premultiplied.</summary>
    public byte[] Rgba { get; }

    /// <summary>Width after orientation and downsampling.</summary>
    public int Width { get; }

    /// <summary>Height after orientation and downsampling.</summary>
    public int Height { get; }

    /// <summary>The encoded format.</summary>
    public ImageFormat Format { get; }

    /// <summary>Width stored in the file (before orientation and downsampling).</summary>
    public int SourceWidth { get; }

    /// <summary>Height stored in the file.</summary>
    public int SourceHeight { get; }

    /// <summary>The EXIF orientation that was applied, 1 (none) to 8.</summary>
    public int Orientation { get; }

    /// <summary>Frames in the file (animated GIF/WebP); only the first was decoded.</summary>
    public int FrameCount { get; }

    /// <summary>True when the image was decoded smaller than stored.</summary>
    public bool Downsampled => (long)Width * Height < (long)SourceWidth * SourceHeight;
}
