namespace Mnist.Engine.Preprocessing;

/// <summary>A pen position in any coordinate space (pixels, points, normalized units); y grows downwards.</summary>
/// <param name="X">Horizontal coordinate.</param>
/// <param name="Y">Vertical coordinate, growing downwards (canvas convention).</param>
public readonly record struct StrokePoint(float X, float Y);
