namespace Mnist.Engine.Preprocessing;

/// <summary>
/// The ink's bounding box in the input's own coordinates: pixels (edges, so a single pixel at column 3 is
/// X = 3, Width = 1) for images, the points' coordinate space for strokes.
/// </summary>
/// <param name="X">Left edge.</param>
/// <param name="Y">Top edge.</param>
/// <param name="Width">Width (≥ 0).</param>
/// <param name="Height">Height (≥ 0).</param>
public readonly record struct InkBounds(float X, float Y, float Width, float Height);
