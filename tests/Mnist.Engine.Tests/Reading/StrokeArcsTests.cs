using Mnist.Engine.Preprocessing;
using Mnist.Engine.Reading;

namespace Mnist.Engine.Tests.Reading;

/// <summary>Stroke arcs of a piece of ink (<see cref="StrokeArcs"/>), and image pieces cut between them.</summary>
public class StrokeArcsTests
{
    private const int W = 80, H = 80;

    [Fact]
    public void Thinning_leaves_a_line_one_pixel_wide()
    {
        bool[] ink = Ink(([new(10, 40), new(70, 40)], 4f));
        bool[] skeleton = StrokeArcs.Thin(ink, W, H);
        for (int x = 20; x <= 60; x++)
        {
            int rows = Enumerable.Range(0, H).Count(y => skeleton[y * W + x]);
            Assert.True(rows == 1, $"column {x}: {rows} skeleton pixels");
        }
    }

    [Fact]
    public void Crossing_strokes_fall_apart_into_four_arms()
    {
        bool[] ink = Ink(([new(10, 40), new(70, 40)], 4f), ([new(40, 10), new(40, 70)], 4f));
        int[] arc = StrokeArcs.Label(ink, ink, W, H, junctionRadius: 3, out int arcs);
        Assert.Equal(4, arcs);
        int[] ends = [arc[40 * W + 11], arc[40 * W + 69], arc[11 * W + 40], arc[69 * W + 40]];
        Assert.Equal(4, ends.Distinct().Count());
        Assert.All(ends, a => Assert.InRange(a, 0, 3));
        // Every pixel of the ink, the crossing too, belongs to an arm.
        for (int i = 0; i < ink.Length; i++)
            if (ink[i]) Assert.True(arc[i] >= 0, $"pixel ({i % W}, {i / W}) has no arc");
    }

    [Fact]
    public void A_thick_pen_is_thinned_at_a_reduced_resolution_with_the_same_arms()
    {
        bool[] ink = Ink(([new(10, 40), new(70, 40)], 8f), ([new(40, 10), new(40, 70)], 8f));
        int[] arc = StrokeArcs.Label(ink, ink, W, H, junctionRadius: 3, factor: 2, out int arcs);
        Assert.Equal(4, arcs);
        int[] ends = [arc[40 * W + 4], arc[40 * W + 76], arc[4 * W + 40], arc[76 * W + 40]];
        Assert.Equal(4, ends.Distinct().Count());
        for (int i = 0; i < ink.Length; i++)
            if (ink[i]) Assert.True(arc[i] >= 0, $"pixel ({i % W}, {i / W}) has no arc");
    }

    [Fact]
    public void A_stroke_through_its_neighbours_bar_stays_whole_in_a_stroke_cut()
    {
        // A 1 (a vertical line) whose neighbour, a 7, runs its bar through it and past it on the left: the 1's ink
        // above and below the bar goes to one piece, the 7's stem to another.
        float[] u = Coverage(([new(30, 5), new(30, 75)], 3f), ([new(15, 20), new(70, 20), new(60, 75)], 3f));
        PreprocessResult none = new(new float[DigitPreprocessor.PixelCount], NoDigitReason.None, null);
        var pieces = new ImagePieces(new InkComponents(u, W, H), NumberReaderOptions.Default, () => none, followStrokes: true);
        int[] map = pieces.PieceMap();
        int oneTop = map[7 * W + 30], oneBottom = map[73 * W + 30], stem = map[73 * W + 60];
        Assert.True(oneTop >= 0 && stem >= 0);
        Assert.Equal(oneTop, oneBottom);
        Assert.NotEqual(oneTop, stem);
        for (int i = 0; i < u.Length; i++)
            if (u[i] >= MnistFrame.BoxThreshold) Assert.True(map[i] >= 0, $"ink pixel ({i % W}, {i / W}) is in no piece");
    }

    private static float[] Coverage(params (StrokePoint[] Points, float Radius)[] strokes)
    {
        var u = new float[W * H];
        foreach ((StrokePoint[] points, float radius) in strokes) StrokeRasterizer.Draw(u, W, H, points, radius);
        return u;
    }

    private static bool[] Ink(params (StrokePoint[] Points, float Radius)[] strokes) =>
        [.. Coverage(strokes).Select(v => v >= MnistFrame.BoxThreshold)];
}
