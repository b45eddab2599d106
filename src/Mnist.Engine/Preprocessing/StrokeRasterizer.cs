namespace Mnist.Engine.Preprocessing;

/// <summary>
/// Anti-aliased round-capped, round-joined polylines: a pixel's coverage is
/// <c>clamp(r + 0.5 − dist, 0, 1)</c>, dist being the distance from the pixel centre (x + 0.5, y + 0.5) to the nearest
/// segment of any stroke (a one-point stroke is a disk), r the pen radius. Overlaps take the maximum, not the sum.
/// </summary>
internal static class StrokeRasterizer
{
    /// <summary>Draws into <paramref name="canvas"/> (width × height, row-major), keeping the maximum coverage.</summary>
    public static void Draw(float[] canvas, int width, int height, ReadOnlySpan<StrokePoint> points, float radius)
    {
        if (points.Length == 0) return;
        if (points.Length == 1) { Segment(canvas, width, height, points[0], points[0], radius); return; }
        for (int k = 0; k + 1 < points.Length; k++) Segment(canvas, width, height, points[k], points[k + 1], radius);
    }

    /// <summary>
    /// Thins a polyline in place: keeps its first and last point and every point whose squared distance to the last
    /// kept point is at least <paramref name="minStep2"/>; returns how many points are kept. The kept polyline is within
    /// √<paramref name="minStep2"/> of the given one, and its kept points are that far apart.
    /// </summary>
    public static int Thin(Span<StrokePoint> points, float minStep2)
    {
        if (points.Length <= 2) return points.Length;
        int kept = 1;
        for (int i = 1; i < points.Length - 1; i++)
        {
            StrokePoint last = points[kept - 1], p = points[i];
            float dx = p.X - last.X, dy = p.Y - last.Y;
            if (dx * dx + dy * dy < minStep2) continue;
            points[kept++] = p;
        }
        points[kept++] = points[^1];
        return kept;
    }

    private static void Segment(float[] canvas, int width, int height, StrokePoint a, StrokePoint b, float radius)
    {
        float reach = radius + 0.5f;
        int xMin = Math.Max(0, (int)MathF.Floor(Math.Min(a.X, b.X) - reach));
        int xMax = Math.Min(width - 1, (int)MathF.Ceiling(Math.Max(a.X, b.X) + reach));
        int yMin = Math.Max(0, (int)MathF.Floor(Math.Min(a.Y, b.Y) - reach));
        int yMax = Math.Min(height - 1, (int)MathF.Ceiling(Math.Max(a.Y, b.Y) + reach));
        float dx = b.X - a.X, dy = b.Y - a.Y;
        float len2 = dx * dx + dy * dy;
        for (int y = yMin; y <= yMax; y++)
        {
            float py = y + 0.5f;
            // Only the pixels near the segment on this row: a pixel within reach has its closest segment point q
            // with |q.y - py| ≤ reach, so q lies on the part of the segment between those two heights, and the
            // pixel within reach of that part's x-extent. Scanning the whole bounding box instead made a diagonal
            // zig-zag cost (canvas area) per segment; this keeps it to about (length + reach) · reach, and every
            // pixel the box scan would ink is still visited, with the same formula.
            int rowMin = xMin, rowMax = xMax;
            if (dy != 0f)
            {
                float t0 = (py - reach - a.Y) / dy, t1 = (py + reach - a.Y) / dy;
                if (t0 > t1) (t0, t1) = (t1, t0);
                t0 = Math.Max(t0, 0f);
                t1 = Math.Min(t1, 1f);
                if (t0 > t1) continue;
                float x0 = a.X + t0 * dx, x1 = a.X + t1 * dx;
                rowMin = Math.Max(xMin, (int)MathF.Floor(Math.Min(x0, x1) - reach - 1f));
                rowMax = Math.Min(xMax, (int)MathF.Ceiling(Math.Max(x0, x1) + reach + 1f));
            }

            for (int x = rowMin; x <= rowMax; x++)
            {
                float px = x + 0.5f;
                // Parameter of the closest point on the segment, clamped to [0, 1] (round caps).
                float t = len2 > 0f ? ((px - a.X) * dx + (py - a.Y) * dy) / len2 : 0f;
                t = t < 0f ? 0f : t > 1f ? 1f : t;
                float ex = px - (a.X + t * dx), ey = py - (a.Y + t * dy);
                float cover = reach - MathF.Sqrt(ex * ex + ey * ey);
                if (cover <= 0f) continue;
                if (cover > 1f) cover = 1f;
                int i = y * width + x;
                if (cover > canvas[i]) canvas[i] = cover;
            }
        }
    }
}
