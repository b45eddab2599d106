namespace Mnist.Engine.Preprocessing;

/// <summary>The extent of pen strokes, for code that moves or scales them (unchecked: <see cref="DigitPreprocessor"/>
/// validates strokes it is given).</summary>
internal static class StrokeBounds
{
    /// <summary>The least and greatest coordinates of all points; infinities when there is none.</summary>
    public static (float MinX, float MinY, float MaxX, float MaxY) Of(IReadOnlyList<IReadOnlyList<StrokePoint>> strokes)
    {
        float minX = float.PositiveInfinity, minY = float.PositiveInfinity, maxX = float.NegativeInfinity, maxY = float.NegativeInfinity;
        foreach (var stroke in strokes)
        {
            foreach (var p in stroke)
            {
                minX = Math.Min(minX, p.X); maxX = Math.Max(maxX, p.X);
                minY = Math.Min(minY, p.Y); maxY = Math.Max(maxY, p.Y);
            }
        }
        return (minX, minY, maxX, maxY);
    }
}
