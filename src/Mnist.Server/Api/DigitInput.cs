using Mnist.Engine.Preprocessing;

namespace Mnist.Server.Api;

/// <summary>One digit as parsed from a request, before preprocessing: 28×28 pixels, or pen strokes with an
/// optional canvas size.</summary>
public sealed class DigitInput
{
    private DigitInput(byte[]? pixels, IReadOnlyList<IReadOnlyList<StrokePoint>>? strokes, float width, float height)
    {
        Pixels = pixels;
        Strokes = strokes;
        CanvasWidth = width;
        CanvasHeight = height;
    }

    /// <summary>784 values 0–255, white on black; null for strokes.</summary>
    public byte[]? Pixels { get; }

    /// <summary>Strokes, each a list of points; null for pixels.</summary>
    public IReadOnlyList<IReadOnlyList<StrokePoint>>? Strokes { get; }

    /// <summary>Canvas width in the points' units, 0 when unknown.</summary>
    public float CanvasWidth { get; }

    /// <summary>Canvas height, 0 when unknown.</summary>
    public float CanvasHeight { get; }

    /// <summary>A pixels input.</summary>
    public static DigitInput FromPixels(byte[] pixels) => new(pixels, null, 0, 0);

    /// <summary>A strokes input.</summary>
    public static DigitInput FromStrokes(IReadOnlyList<IReadOnlyList<StrokePoint>> strokes, float width, float height) => new(null, strokes, width, height);
}
