using Mnist.Engine.Data.Augmentation;

namespace Mnist.Engine.Tests.Data;

public class StrokeRestylerTests
{
    private static float[] Bar(int top, int bottom, int left, int right)
    {
        var image = new float[784];
        for (int y = top; y <= bottom; y++)
            for (int x = left; x <= right; x++) image[y * 28 + x] = 1f;
        return image;
    }

    private static float ColumnSum(float[] image, int x) => Enumerable.Range(0, 28).Sum(y => image[y * 28 + x]);

    [Fact]
    public void Thinning_leaves_a_one_pixel_line_along_a_thick_bar()
    {
        var bar = Bar(10, 14, 4, 23).Select(v => (byte)v).ToArray();
        StrokeRestyler.Thin(bar, 28, 28);
        for (int x = 8; x <= 19; x++)
        {
            int column = Enumerable.Range(0, 28).Sum(y => bar[y * 28 + x]);
            Assert.Equal(1, column);
            Assert.Equal(1, bar[12 * 28 + x]); // the middle row
        }
        Assert.True(bar.Sum(b => b) < 30);
    }

    [Theory]
    [InlineData(1.0f, 2f)]
    [InlineData(1.5f, 3f)]
    public void Restyled_strokes_have_the_pen_width_whatever_the_original(float radius, float width)
    {
        foreach (var (top, bottom) in new[] { (11, 13), (9, 15) })
        {
            var image = Bar(top, bottom, 4, 23);
            StrokeRestyler.Restyle(image, 28, 28, radius);
            for (int x = 9; x <= 18; x++) Assert.Equal(width, ColumnSum(image, x), 0.01);
            Assert.All(image, v => Assert.InRange(v, 0f, 1f));
        }
    }

    [Fact]
    public void Blank_images_and_diagonals_behave()
    {
        var blank = new float[784];
        StrokeRestyler.Restyle(blank, 28, 28, 1.2f);
        Assert.All(blank, v => Assert.Equal(0f, v));

        var diagonal = new float[784];
        for (int i = 4; i < 24; i++)
            for (int d = -1; d <= 1; d++) diagonal[i * 28 + Math.Clamp(i + d, 0, 27)] = 1f;
        StrokeRestyler.Restyle(diagonal, 28, 28, 1.0f);
        // Across the diagonal the profile is smooth: no holes where the skeleton steps diagonally.
        for (int i = 8; i < 20; i++) Assert.Equal(1f, diagonal[i * 28 + i]);
        Assert.Throws<ArgumentOutOfRangeException>(() => StrokeRestyler.Restyle(new float[784], 28, 28, 0f));
    }
}
