using Mnist.Engine.Kernels;

namespace Mnist.Engine.Tests.Kernels;

/// <summary>Semantics (ties, NaN, padding, divisors) on hand-checked examples for float and double, and argument validation of <see cref="Pooling"/>.</summary>
public class PoolingTests
{
    [Theory]
    [InlineData(28, 2, 2, 0, 14)]
    [InlineData(13, 3, 2, 1, 7)]
    [InlineData(13, 2, 2, 0, 6)]
    [InlineData(5, 5, 3, 2, 2)]
    [InlineData(2, 3, 1, 0, 0)]
    [InlineData(1, 3, 2, 0, 0)]
    public void OutputSize_is_floor_formula(int size, int kernel, int stride, int padding, int expected) =>
        Assert.Equal(expected, Pooling.OutputSize(size, kernel, stride, padding));

    private static readonly float[] s_x4x4 =
    [
        1, 5, 2, 0,
        3, 4, 8, 8,
        7, 0, 1, 1,
        7, 6, 1, 9,
    ];

    [Fact]
    public void MaxPool_known_values_first_maximum_wins() => MaxPoolKnownValues<float>();

    [Fact]
    public void MaxPool_known_values_double() => MaxPoolKnownValues<double>();

    private static void MaxPoolKnownValues<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        T[] x = s_x4x4.Select(v => T.CreateChecked(v)).ToArray();
        T[] y = new T[4];
        int[] argmax = new int[4];
        Pooling.MaxPool2d<T>(x, 1, 1, 4, 4, 2, 2, 0, y, argmax);
        Assert.Equal([5, 8, 7, 9], y.Select(v => double.CreateChecked(v)));
        // 8 appears at indices 6 and 7, 7 at 8 and 12: the first in row-major window order wins.
        Assert.Equal([1, 6, 8, 15], argmax);

        T[] dx = new T[16];
        Pooling.MaxPool2dBackward<T>([T.One, T.One, T.One, T.One], [6, 6, 8, 15], dx);
        Assert.Equal(2.0, double.CreateChecked(dx[6]));
        Assert.Equal(1.0, double.CreateChecked(dx[8]));
    }

    [Fact]
    public void MaxPool_padding_never_wins_and_NaN_propagates()
    {
        float[] x = [-5f, -4f, -3f, float.NaN, -1f, -6f, -7f, -8f, -9f];
        float[] y = new float[4];
        int[] argmax = new int[4];
        // 3x3, kernel 2, stride 2, padding 1 → 2x2 windows over the padded 5x5.
        Pooling.MaxPool2d<float>(x, 1, 1, 3, 3, 2, 2, 1, y, argmax);
        Assert.Equal(-5f, y[0]); // only x[0] is real; the zero padding does not win.
        Assert.Equal(0, argmax[0]);
        Assert.True(float.IsNaN(y[2]));
        Assert.Equal(3, argmax[2]);
        Assert.Equal(-1f, y[3]);
        Assert.Equal(4, argmax[3]);
    }

    [Fact]
    public void AvgPool_divisor_depends_on_countIncludePad()
    {
        float[] x = [1f, 2f, 3f, 4f];
        float[] withPad = new float[4], withoutPad = new float[4];
        // 2x2 input, kernel 2, stride 2, padding 1 → each 2x2 window has one real cell.
        Pooling.AvgPool2d<float>(x, 1, 1, 2, 2, 2, 2, 1, true, withPad);
        Pooling.AvgPool2d<float>(x, 1, 1, 2, 2, 2, 2, 1, false, withoutPad);
        Assert.Equal([0.25f, 0.5f, 0.75f, 1f], withPad);
        Assert.Equal([1f, 2f, 3f, 4f], withoutPad);
        double[] y = new double[1];
        Pooling.AvgPool2d<double>([1.0, 2.0, 3.0, 4.0], 1, 1, 2, 2, 2, 1, 0, false, y);
        Assert.Equal(2.5, y[0]);
    }

    [Fact]
    public void Throws_on_bad_geometry_or_lengths()
    {
        float[] x = new float[2 * 3 * 28 * 28], y = new float[2 * 3 * 14 * 14];
        int[] argmax = new int[y.Length];
        Assert.Throws<ArgumentException>(() => Pooling.MaxPool2d<float>(x.AsSpan(1), 2, 3, 28, 28, 2, 2, 0, y, argmax));
        Assert.Throws<ArgumentException>(() => Pooling.MaxPool2d<float>(x, 2, 3, 28, 28, 2, 2, 0, y.AsSpan(1), argmax));
        Assert.Throws<ArgumentException>(() => Pooling.MaxPool2d<float>(x, 2, 3, 28, 28, 2, 2, 0, y, argmax.AsSpan(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Pooling.MaxPool2d<float>(x, 2, 3, 28, 28, 2, 2, 2, y, argmax));
        Assert.Throws<ArgumentOutOfRangeException>(() => Pooling.MaxPool2d<float>(x, 2, 3, 28, 28, 2, 0, 0, y, argmax));
        Assert.Throws<ArgumentException>(() => Pooling.MaxPool2d<float>(new float[4], 1, 1, 2, 2, 3, 1, 0, [], []));
        Assert.Throws<ArgumentException>(() => Pooling.AvgPool2d<float>(x, 2, 3, 28, 28, 2, 2, 0, false, y.AsSpan(1)));
        Assert.Throws<ArgumentException>(() => Pooling.MaxPool2dBackward<float>(new float[3], new int[4], new float[10]));
        Assert.Throws<ArgumentException>(() => Pooling.MaxPool2dBackward<float>(new float[2], [0, 10], new float[10]));
        Assert.Throws<ArgumentException>(() => Pooling.MaxPool2dBackward<float>(new float[2], [-1, 0], new float[10]));
    }
}
