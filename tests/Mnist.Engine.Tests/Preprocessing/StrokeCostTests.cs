using System.Diagnostics;
using Mnist.Engine.Preprocessing;
using static Mnist.Engine.Tests.Preprocessing.PreprocTestData;

namespace Mnist.Engine.Tests.Preprocessing;

/// <summary>The cost of drawing strokes is bounded whatever their shape (issue 18), without changing any pixel of real drawings.</summary>
public class StrokeCostTests
{
    [Fact]
    public void Row_band_rasterizer_inks_exactly_the_pixels_of_the_bounding_box_scan()
    {
        var rng = new Random(18);
        for (int trial = 0; trial < 300; trial++)
        {
            int w = 20 + rng.Next(80), h = 20 + rng.Next(80);
            float radius = 0.5f + (float)rng.NextDouble() * 6f;
            var points = new StrokePoint[1 + rng.Next(12)];
            for (int i = 0; i < points.Length; i++)
                points[i] = rng.Next(5) == 0 && i > 0
                    ? new StrokePoint(points[i - 1].X + (float)rng.NextDouble(), points[i - 1].Y) // horizontal and tiny segments too
                    : new StrokePoint((float)rng.NextDouble() * w, (float)rng.NextDouble() * h);
            var fast = new float[w * h];
            var reference = new float[w * h];
            StrokeRasterizer.Draw(fast, w, h, points, radius);
            BoxScan(reference, w, h, points, radius);
            for (int i = 0; i < fast.Length; i++)
                Assert.True(fast[i] == reference[i], $"trial {trial}, pixel {i}: {fast[i]} vs reference {reference[i]}");
        }
    }

    [Fact]
    public void A_20000_point_zigzag_costs_a_few_milliseconds_and_is_a_blob()
    {
        // 20,000 points corner to corner (180 KB as JSON): 717 ms of CPU per request when each segment scanned the
        // whole drawing; a circle of as many points cost 31 ms.
        var zigzag = new StrokePoint[20_000];
        for (int i = 0; i < zigzag.Length; i++) zigzag[i] = new StrokePoint(i % 2 == 0 ? 0 : 300, (i / 2) % 2 == 0 ? 0 : 300);
        IReadOnlyList<IReadOnlyList<StrokePoint>> strokes = [zigzag];

        PreprocessResult r = DigitPreprocessor.FromStrokes(strokes);
        double best = double.MaxValue;
        for (int run = 0; run < 5; run++)
        {
            long t = Stopwatch.GetTimestamp();
            r = DigitPreprocessor.FromStrokes(strokes);
            best = Math.Min(best, Stopwatch.GetElapsedTime(t).TotalMilliseconds);
        }

        Assert.Equal(NoDigitReason.Blob, r.Reason);
        Assert.True(best < 25, $"best of 5: {best:F1} ms");
    }

    [Fact]
    public void Real_drawn_digits_stay_far_below_the_ink_budget()
    {
        // The budget must never refuse handwriting: the longest of 2,000 pendigits digits is a small fraction of it.
        double longest = 0;
        foreach (var (_, strokes) in Pendigits(2000))
        {
            float minX = strokes.SelectMany(s => s).Min(p => p.X), maxX = strokes.SelectMany(s => s).Max(p => p.X);
            float minY = strokes.SelectMany(s => s).Min(p => p.Y), maxY = strokes.SelectMany(s => s).Max(p => p.Y);
            double size = Math.Max(maxX - minX, maxY - minY), ink = 0;
            foreach (var s in strokes)
                for (int i = 1; i < s.Count; i++) ink += Math.Sqrt(Math.Pow(s[i].X - s[i - 1].X, 2) + Math.Pow(s[i].Y - s[i - 1].Y, 2));
            longest = Math.Max(longest, ink / size);
            Assert.NotEqual(NoDigitReason.Blob, DigitPreprocessor.FromStrokes(strokes).Reason);
        }

        Assert.True(longest < DigitPreprocessor.MaxInkLengths / 4.0, $"longest drawing has {longest:F1} drawing sizes of ink");
    }

    // The rasterizer as it was: every pixel of the segment's bounding box is evaluated. The oracle for the band scan.
    private static void BoxScan(float[] canvas, int width, int height, StrokePoint[] points, float radius)
    {
        for (int k = 0; k < Math.Max(1, points.Length - 1); k++)
        {
            StrokePoint a = points[k], b = points[Math.Min(k + 1, points.Length - 1)];
            float reach = radius + 0.5f;
            int xMin = Math.Max(0, (int)MathF.Floor(Math.Min(a.X, b.X) - reach));
            int xMax = Math.Min(width - 1, (int)MathF.Ceiling(Math.Max(a.X, b.X) + reach));
            int yMin = Math.Max(0, (int)MathF.Floor(Math.Min(a.Y, b.Y) - reach));
            int yMax = Math.Min(height - 1, (int)MathF.Ceiling(Math.Max(a.Y, b.Y) + reach));
            float dx = b.X - a.X, dy = b.Y - a.Y, len2 = dx * dx + dy * dy;
            for (int y = yMin; y <= yMax; y++)
                for (int x = xMin; x <= xMax; x++)
                {
                    float px = x + 0.5f, py = y + 0.5f;
                    float t = len2 > 0f ? ((px - a.X) * dx + (py - a.Y) * dy) / len2 : 0f;
                    t = t < 0f ? 0f : t > 1f ? 1f : t;
                    float ex = px - (a.X + t * dx), ey = py - (a.Y + t * dy);
                    float cover = reach - MathF.Sqrt(ex * ex + ey * ey);
                    if (cover <= 0f) continue;
                    if (cover > 1f) cover = 1f;
                    if (cover > canvas[y * width + x]) canvas[y * width + x] = cover;
                }
        }
    }
}
