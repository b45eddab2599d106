namespace Mnist.Engine.Preprocessing;

/// <summary>Byte order of a 4-byte-per-pixel colour buffer.</summary>
public enum PixelOrder
{
    /// <summary>Red, green, blue, alpha (HTML canvas <c>ImageData</c>, most decoders).</summary>
    Rgba,

    /// <summary>Blue, green, red, alpha (Windows bitmaps, SkiaSharp's default on little-endian machines).</summary>
    Bgra,
}
