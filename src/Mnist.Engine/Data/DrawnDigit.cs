using Mnist.Engine.Preprocessing;

namespace Mnist.Engine.Data;

/// <summary>
/// One digit drawn with a pen: its label, who wrote it and its strokes (pen down to pen up, points in drawing order,
/// y growing downwards), as <see cref="DrawnDigitSet"/> reads them from a pendigits-style JSON-lines file.
/// </summary>
/// <param name="Label">The digit 0–9.</param>
/// <param name="Writer">The writer's number (≥ 1) as the file gives it.</param>
/// <param name="Strokes">The strokes; each holds at least one point.</param>
/// <param name="Line">1-based line of the file it came from (for messages).</param>
public sealed record DrawnDigit(int Label, int Writer, StrokePoint[][] Strokes, int Line)
{
    /// <summary>The strokes in the shape <see cref="DigitPreprocessor.FromStrokes"/> takes.</summary>
    public IReadOnlyList<IReadOnlyList<StrokePoint>> StrokeList => Strokes;
}
