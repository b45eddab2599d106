using Mnist.Engine.Preprocessing;

namespace Mnist.Engine.Tests.Preprocessing;

/// <summary>Absurd sizes and short buffers are rejected with ArgumentException before any allocation.</summary>
public class LimitsTests
{
    [Theory]
    [InlineData(0, 10)]
    [InlineData(10, 0)]
    [InlineData(-1, 10)]
    [InlineData(DigitPreprocessor.MaxWidth + 1, 1)]
    [InlineData(1, DigitPreprocessor.MaxHeight + 1)]
    [InlineData(DigitPreprocessor.MaxWidth, DigitPreprocessor.MaxHeight)] // within each side, over the pixel count
    public void AbsurdSizes_Throw(int width, int height)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<ArgumentException>(() => DigitPreprocessor.FromGray(new byte[16], width, height));
        Assert.Throws<ArgumentException>(() => DigitPreprocessor.FromRgba(new byte[16], width, height));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1_000_000, "allocated before rejecting");
    }

    [Fact]
    public void ShortBuffersAndBadStrides_Throw()
    {
        Assert.Throws<ArgumentException>(() => DigitPreprocessor.FromGray(new byte[99], 10, 10));
        Assert.Throws<ArgumentException>(() => DigitPreprocessor.FromGray(new byte[200], 10, 10, stride: 9));
        Assert.Throws<ArgumentException>(() => DigitPreprocessor.FromGray(new byte[200], 10, 10, stride: -10));
        Assert.Throws<ArgumentException>(() => DigitPreprocessor.FromGray(new byte[12 * 9 + 9], 10, 10, stride: 12));
        Assert.Throws<ArgumentException>(() => DigitPreprocessor.FromRgba(new byte[399], 10, 10));
        Assert.Throws<ArgumentException>(() => DigitPreprocessor.FromRgba(new byte[800], 10, 10, stride: 39));
        Assert.Throws<ArgumentException>(() => DigitPreprocessor.FromRgba(new byte[400], 10, 10, (PixelOrder)7));
        Assert.Throws<ArgumentException>(() => DigitPreprocessor.FromMnistPixels(new byte[783]));
        Assert.Throws<ArgumentException>(() => DigitPreprocessor.FromMnistPixels(new byte[785]));
        // Exactly long enough with a padded stride: the last row needs no padding.
        DigitPreprocessor.FromGray(new byte[12 * 9 + 10], 10, 10, stride: 12);
    }

    [Fact]
    public void BadStrokes_Throw()
    {
        Assert.Throws<ArgumentNullException>(() => DigitPreprocessor.FromStrokes(null!));
        Assert.Throws<ArgumentException>(() => DigitPreprocessor.FromStrokes([null!]));
        Assert.Throws<ArgumentException>(() => DigitPreprocessor.FromStrokes([[new StrokePoint(float.NaN, 0), new StrokePoint(1, 1)]]));
        Assert.Throws<ArgumentException>(() => DigitPreprocessor.FromStrokes([[new StrokePoint(float.PositiveInfinity, 0)]]));
        Assert.Throws<ArgumentException>(() => DigitPreprocessor.FromStrokes([[new StrokePoint(-3e38f, 0), new StrokePoint(3e38f, 1)]]));
        var many = Enumerable.Range(0, DigitPreprocessor.MaxStrokes + 1).Select(i => (IReadOnlyList<StrokePoint>)[new StrokePoint(i, i)]).ToList();
        Assert.Throws<ArgumentException>(() => DigitPreprocessor.FromStrokes(many));
        var longStroke = Enumerable.Range(0, DigitPreprocessor.MaxStrokePoints + 1).Select(i => new StrokePoint(i % 100, i / 100)).ToArray();
        Assert.Throws<ArgumentException>(() => DigitPreprocessor.FromStrokes([longStroke]));
        Assert.Throws<ArgumentException>(() => DigitPreprocessor.FromStrokes([[new StrokePoint(0, 0), new StrokePoint(1, 1)]], -1, 10));
        Assert.Throws<ArgumentException>(() => DigitPreprocessor.FromStrokes([[new StrokePoint(0, 0), new StrokePoint(1, 1)]], float.NaN, 10));
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(-0.1f)]
    [InlineData(1.5f)]
    [InlineData(float.NaN)]
    public void BadPenWidth_Throws(float fraction) =>
        Assert.Throws<ArgumentException>(() => DigitPreprocessor.FromStrokes([[new StrokePoint(0, 0), new StrokePoint(1, 1)]],
            options: new PreprocessOptions { PenWidthFraction = fraction }));
}
