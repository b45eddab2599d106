using Mnist.Engine.Preprocessing;

namespace Mnist.Client;

/// <summary>A finished drawing: strokes (pen down to pen up) in surface coordinates, y growing downwards.</summary>
/// <param name="Strokes">Strokes, each a list of points in drawing order.</param>
/// <param name="CanvasWidth">Width of the drawing surface in the points' units, or 0 when unknown.</param>
/// <param name="CanvasHeight">Height of the drawing surface, or 0 when unknown.</param>
public sealed record StrokeDrawing(IReadOnlyList<IReadOnlyList<StrokePoint>> Strokes, float CanvasWidth = 0f, float CanvasHeight = 0f)
{
    /// <summary>Builds a drawing from <c>[[[x, y], …], …]</c> arrays (the wire and pendigits format).</summary>
    public static StrokeDrawing FromArrays(IEnumerable<IEnumerable<float[]>> strokes, float canvasWidth = 0f, float canvasHeight = 0f)
    {
        ArgumentNullException.ThrowIfNull(strokes);
        var list = strokes.Select(s => (IReadOnlyList<StrokePoint>)s.Select(p => new StrokePoint(p[0], p[1])).ToArray()).ToArray();
        return new StrokeDrawing(list, canvasWidth, canvasHeight);
    }

    /// <summary>Runs the shared MNIST-style preprocessing (<see cref="DigitPreprocessor.FromStrokes"/>).</summary>
    public PreprocessResult Preprocess(PreprocessOptions? options = null) =>
        DigitPreprocessor.FromStrokes(Strokes, CanvasWidth, CanvasHeight, options);
}
