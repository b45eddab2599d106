using Mnist.Engine.Kernels;

namespace Mnist.Engine.Tests.Kernels;

/// <summary>Semantics (NaN, ±0, known values, float and double paths) and argument validation of <see cref="Elementwise"/>.</summary>
public class ElementwiseTests
{
    [Fact]
    public void Relu_propagates_NaN_and_clears_negative_zero()
    {
        float[] x = [float.NaN, -0f, -1f, 2f, float.NegativeInfinity, float.PositiveInfinity, 0.5f, -3f, 1f];
        float[] y = new float[x.Length];
        Elementwise.Relu<float>(x, y);
        Assert.True(float.IsNaN(y[0]));
        Assert.True(float.IsPositive(y[1]) && y[1] == 0f);
        Assert.Equal([0f, 2f, 0f, float.PositiveInfinity, 0.5f, 0f, 1f], y[2..]);
        double[] xd = [double.NaN, -1, 2];
        double[] yd = new double[3];
        Elementwise.Relu<double>(xd, yd);
        Assert.True(double.IsNaN(yd[0]));
        Assert.Equal([0.0, 2.0], yd[1..]);
    }

    [Fact]
    public void ReluBackward_passes_gradient_only_where_output_is_positive()
    {
        float[] y = [0f, 1f, float.NaN, 2f, -0f], dy = [5f, 6f, 7f, 8f, 9f], dx = new float[5];
        Elementwise.ReluBackward<float>(y, dy, dx);
        Assert.Equal([0f, 6f, 0f, 8f, 0f], dx);
    }

    [Fact]
    public void Reductions_give_known_values_for_float_and_double()
    {
        float[] x = Enumerable.Range(1, 100).Select(i => (float)i).ToArray();
        Assert.Equal(5050f, Elementwise.Sum<float>(x));
        Assert.Equal(100f, Elementwise.Max<float>(x));
        Assert.Equal(338350f, Elementwise.SumOfSquares<float>(x));
        Assert.Equal(338350f, Elementwise.Dot<float>(x, x));
        double[] xd = x.Select(v => (double)v).ToArray();
        Assert.Equal(5050.0, Elementwise.Sum<double>(xd));
        Assert.Equal(338350.0, Elementwise.Dot<double>(xd, xd));
        Assert.Equal(0f, Elementwise.Sum<float>([]));
        Assert.True(float.IsNaN(Elementwise.Max<float>([1f, float.NaN, 3f, 4f, 5f, 6f, 7f, 8f, 9f])));
        Assert.True(float.IsPositive(Elementwise.Max<float>([-0f, 0f])));
    }

    [Fact]
    public void Bias_helpers_give_known_values()
    {
        // [batch 2, channels 2, spatial 3]
        float[] y = new float[12];
        Elementwise.AddChannelBias(y.AsSpan(), [1f, 10f], 2, 2, 3);
        Assert.Equal([1f, 1f, 1f, 10f, 10f, 10f, 1f, 1f, 1f, 10f, 10f, 10f], y);
        float[] sums = [100f, 0f];
        Elementwise.AccumulateChannelSums<float>(y, sums, 2, 2, 3);
        Assert.Equal([106f, 60f], sums);
        double[] m = new double[6];
        Elementwise.AddRowBias(m.AsSpan(), [1.0, 2.0, 3.0], 2, 3);
        Assert.Equal([1.0, 2.0, 3.0, 1.0, 2.0, 3.0], m);
        double[] columns = [1.0, 1.0, 1.0];
        Elementwise.AccumulateColumnSums<double>(m, columns, 2, 3);
        Assert.Equal([3.0, 5.0, 7.0], columns);
    }

    [Fact]
    public void Axpy_and_Scale_give_known_values()
    {
        float[] y = [1f, 2f, 3f];
        Elementwise.Axpy(2f, [1f, 1f, 1f], y.AsSpan());
        Assert.Equal([3f, 4f, 5f], y);
        Elementwise.Scale(0.5f, y.AsSpan());
        Assert.Equal([1.5f, 2f, 2.5f], y);
    }

    [Fact]
    public void Tanh_and_Sigmoid_saturate_and_propagate_NaN()
    {
        float[] x = [float.NegativeInfinity, -100f, 0f, 100f, float.PositiveInfinity, float.NaN, -0f, 0.5f];
        float[] t = new float[x.Length], s = new float[x.Length];
        Elementwise.Tanh<float>(x, t);
        Elementwise.Sigmoid<float>(x, s);
        Assert.Equal([-1f, -1f, 0f, 1f, 1f], t[..5]);
        Assert.True(float.IsNaN(t[5]) && float.IsNegative(t[6]));
        Assert.Equal(MathF.Tanh(0.5f), t[7], 6);
        Assert.Equal([0f, 0f, 0.5f, 1f, 1f], s[..5]);
        Assert.True(float.IsNaN(s[5]));
    }

    [Fact]
    public void Throws_on_short_destination_or_mismatched_lengths()
    {
        float[] a = new float[10], b = new float[9], shortY = new float[9], y = new float[10];
        Assert.Throws<ArgumentException>(() => Elementwise.Relu<float>(a, shortY));
        Assert.Throws<ArgumentException>(() => Elementwise.Relu<double>(new double[3], new double[2]));
        Assert.Throws<ArgumentException>(() => Elementwise.ReluBackward<float>(a, b, y));
        Assert.Throws<ArgumentException>(() => Elementwise.Add<float>(a, b, y));
        Assert.Throws<ArgumentException>(() => Elementwise.Add<float>(a, a, shortY));
        Assert.Throws<ArgumentException>(() => Elementwise.Multiply<float>(a, b, y));
        Assert.Throws<ArgumentException>(() => Elementwise.Axpy<float>(1f, a, shortY));
        Assert.Throws<ArgumentException>(() => Elementwise.Tanh<float>(a, shortY));
        Assert.Throws<ArgumentException>(() => Elementwise.Sigmoid<float>(a, shortY));
        Assert.Throws<ArgumentException>(() => Elementwise.Dot<float>(a, b));
        Assert.Throws<ArgumentException>(() => Elementwise.Max<float>([]));
        Assert.Throws<ArgumentException>(() => Elementwise.AddChannelBias(new float[12].AsSpan(), new float[3], 2, 2, 3));
        Assert.Throws<ArgumentException>(() => Elementwise.AddChannelBias(new float[11].AsSpan(), new float[2], 2, 2, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => Elementwise.AddChannelBias(new float[0].AsSpan(), new float[2], -1, 2, 3));
        Assert.Throws<ArgumentException>(() => Elementwise.AccumulateChannelSums<float>(new float[12], new float[3], 2, 2, 3));
        Assert.Throws<ArgumentException>(() => Elementwise.AddRowBias(new float[6].AsSpan(), new float[2], 2, 3));
        Assert.Throws<ArgumentException>(() => Elementwise.AccumulateColumnSums<float>(new float[7], new float[3], 2, 3));
    }

    [Fact]
    public void Throws_on_partially_overlapping_output_but_allows_in_place()
    {
        float[] buffer = Enumerable.Range(-10, 21).Select(i => (float)i).ToArray();
        var ex = Assert.Throws<ArgumentException>(() => Elementwise.Relu<float>(buffer.AsSpan(0, 20), buffer.AsSpan(1, 20)));
        Assert.Contains("overlap", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Elementwise.Add<float>(buffer.AsSpan(1, 20), buffer.AsSpan(0, 20), buffer.AsSpan(0, 20)));
        Elementwise.Relu<float>(buffer, buffer);
        Assert.Equal(0f, buffer[0]);
        Assert.Equal(10f, buffer[20]);
    }
}
