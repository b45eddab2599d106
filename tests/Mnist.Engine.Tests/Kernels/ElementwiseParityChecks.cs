using Mnist.Engine.Kernels;
using Mnist.Engine.Kernels.Reference;
using Mnist.Engine.Tests.TestSupport;

namespace Mnist.Engine.Tests.Kernels;

/// <summary>
/// <see cref="Elementwise"/> (float SIMD) against <see cref="ReferenceElementwise"/> at every length 0–256 and 6·512+7,
/// so every vector width's main loop and every tail length is hit; odd lengths also get NaN/±∞/±0 mixed in.
/// </summary>
internal static class ElementwiseParityChecks
{
    private static IEnumerable<(int Length, float[] X)> Inputs(int seed, float min = -1f, float max = 1f)
    {
        foreach (int n in TestData.Lengths)
        {
            float[] x = TestData.Floats(n, seed + n, min, max);
            yield return (n, n % 2 == 1 ? TestData.WithSpecials(x, seed - n) : x);
        }
    }

    [ParityCheck]
    public static void Relu()
    {
        foreach (var (n, x) in Inputs(100))
        {
            float[] expected = new float[n], actual = new float[n];
            ReferenceElementwise.Relu<float>(x, expected);
            Elementwise.Relu<float>(x, actual);
            Tolerance.Float32.Exact.AssertClose<float>(expected, actual, $"relu n={n}");
            // In place: the same span as input and output.
            float[] inPlace = (float[])x.Clone();
            Elementwise.Relu<float>(inPlace, inPlace);
            Tolerance.Float32.Exact.AssertClose<float>(expected, inPlace, $"relu in place n={n}");
        }
    }

    [ParityCheck]
    public static void ReluBackward()
    {
        foreach (var (n, y) in Inputs(200))
        {
            float[] dy = TestData.Floats(n, 201 + n), expected = new float[n], actual = new float[n];
            ReferenceElementwise.ReluBackward<float>(y, dy, expected);
            Elementwise.ReluBackward<float>(y, dy, actual);
            Tolerance.Float32.Exact.AssertClose<float>(expected, actual, $"relu backward n={n}");
        }
    }

    [ParityCheck]
    public static void Add()
    {
        foreach (var (n, a) in Inputs(300))
        {
            float[] b = TestData.Floats(n, 301 + n), expected = new float[n], actual = new float[n];
            ReferenceElementwise.Add<float>(a, b, expected);
            Elementwise.Add<float>(a, b, actual);
            Tolerance.Float32.Exact.AssertClose<float>(expected, actual, $"add n={n}");
        }
    }

    [ParityCheck]
    public static void Multiply()
    {
        foreach (var (n, a) in Inputs(400))
        {
            float[] b = TestData.Floats(n, 401 + n), expected = new float[n], actual = new float[n];
            ReferenceElementwise.Multiply<float>(a, b, expected);
            Elementwise.Multiply<float>(a, b, actual);
            Tolerance.Float32.Exact.AssertClose<float>(expected, actual, $"multiply n={n}");
        }
    }

    [ParityCheck]
    public static void Axpy()
    {
        foreach (var (n, x) in Inputs(500))
        {
            float[] expected = TestData.Floats(n, 501 + n), actual = (float[])expected.Clone();
            ReferenceElementwise.Axpy(-0.37f, x, expected);
            Elementwise.Axpy(-0.37f, x, actual);
            Tolerance.Float32.Exact.AssertClose<float>(expected, actual, $"axpy n={n}");
        }
    }

    [ParityCheck]
    public static void Scale()
    {
        foreach (var (n, x) in Inputs(600))
        {
            float[] expected = (float[])x.Clone(), actual = (float[])x.Clone();
            ReferenceElementwise.Scale(1.7f, expected.AsSpan());
            Elementwise.Scale(1.7f, actual.AsSpan());
            Tolerance.Float32.Exact.AssertClose<float>(expected, actual, $"scale n={n}");
        }
    }

    [ParityCheck]
    public static void Tanh()
    {
        foreach (var (n, x) in Inputs(700, -12f, 12f))
        {
            float[] expected = new float[n], actual = new float[n];
            ReferenceElementwise.Tanh<float>(x, expected);
            Elementwise.Tanh<float>(x, actual);
            Tolerance.Float32.Transcendental.AssertClose<float>(expected, actual, $"tanh n={n}");
        }
    }

    [ParityCheck]
    public static void Sigmoid()
    {
        foreach (var (n, x) in Inputs(800, -30f, 30f))
        {
            float[] expected = new float[n], actual = new float[n];
            ReferenceElementwise.Sigmoid<float>(x, expected);
            Elementwise.Sigmoid<float>(x, actual);
            Tolerance.Float32.Transcendental.AssertClose<float>(expected, actual, $"sigmoid n={n}");
        }
    }

    [ParityCheck]
    public static void Sum()
    {
        foreach (int n in TestData.Lengths)
        {
            float[] x = TestData.Floats(n, 900 + n);
            Tolerance.Float32.Reduction.AssertClose(ReferenceElementwise.Sum<float>(x), Elementwise.Sum<float>(x), $"sum n={n}", TestData.AbsSum(x));
        }
        float[] withNaN = TestData.Floats(77, 901);
        withNaN[60] = float.NaN;
        Tolerance.Float32.Exact.AssertClose(double.NaN, Elementwise.Sum<float>(withNaN), "sum with NaN");
    }

    [ParityCheck]
    public static void Max()
    {
        foreach (var (n, x) in Inputs(1000))
        {
            if (n == 0)
                continue;
            Tolerance.Float32.Exact.AssertClose(ReferenceElementwise.Max<float>(x), Elementwise.Max<float>(x), $"max n={n}");
        }
    }

    [ParityCheck]
    public static void Dot()
    {
        foreach (int n in TestData.Lengths)
        {
            float[] a = TestData.Floats(n, 1100 + n), b = TestData.Floats(n, 1200 + n);
            Tolerance.Float32.Reduction.AssertClose(ReferenceElementwise.Dot<float>(a, b), Elementwise.Dot<float>(a, b), $"dot n={n}", TestData.AbsSum(a, b));
        }
    }

    [ParityCheck]
    public static void SumOfSquares()
    {
        foreach (int n in TestData.Lengths)
        {
            float[] x = TestData.Floats(n, 1300 + n, -3f, 3f);
            Tolerance.Float32.Reduction.AssertClose(ReferenceElementwise.SumOfSquares<float>(x), Elementwise.SumOfSquares<float>(x), $"sum of squares n={n}");
        }
    }

    private static readonly (int Batch, int Channels, int Spatial)[] s_channelShapes =
        [(1, 1, 28 * 28), (1, 3, 13 * 13), (1, 17, 28 * 28), (2, 17, 13 * 13), (4, 3, 7), (3, 17, 1), (0, 3, 5), (2, 3, 0)];

    [ParityCheck]
    public static void AddChannelBias()
    {
        foreach (var (batch, channels, spatial) in s_channelShapes)
        {
            float[] bias = TestData.Floats(channels, 1400 + channels);
            float[] expected = TestData.Floats(batch * channels * spatial, 1401 + spatial), actual = (float[])expected.Clone();
            ReferenceElementwise.AddChannelBias(expected.AsSpan(), bias, batch, channels, spatial);
            Elementwise.AddChannelBias(actual.AsSpan(), bias, batch, channels, spatial);
            Tolerance.Float32.Exact.AssertClose<float>(expected, actual, $"add channel bias {batch}x{channels}x{spatial}");
        }
    }

    [ParityCheck]
    public static void AccumulateChannelSums()
    {
        foreach (var (batch, channels, spatial) in s_channelShapes)
        {
            float[] dy = TestData.Floats(batch * channels * spatial, 1500 + spatial);
            float[] expected = TestData.Floats(channels, 1501), actual = (float[])expected.Clone();
            double[] scales = new double[channels];
            for (int c = 0; c < channels; c++)
            {
                scales[c] = Math.Abs(expected[c]);
                for (int n = 0; n < batch; n++)
                    scales[c] += TestData.AbsSum(dy.AsSpan(((n * channels) + c) * spatial, spatial));
            }
            ReferenceElementwise.AccumulateChannelSums<float>(dy, expected, batch, channels, spatial);
            Elementwise.AccumulateChannelSums<float>(dy, actual, batch, channels, spatial);
            Tolerance.Float32.Reduction.AssertClose<float>(expected, actual, $"channel sums {batch}x{channels}x{spatial}", scales);
        }
    }

    private static readonly (int Rows, int Cols)[] s_matrixShapes = [(1, 10), (7, 10), (33, 17), (64, 120), (3, 257), (0, 5), (5, 1)];

    [ParityCheck]
    public static void AddRowBias()
    {
        foreach (var (rows, cols) in s_matrixShapes)
        {
            float[] bias = TestData.Floats(cols, 1600 + cols);
            float[] expected = TestData.Floats(rows * cols, 1601 + rows), actual = (float[])expected.Clone();
            ReferenceElementwise.AddRowBias(expected.AsSpan(), bias, rows, cols);
            Elementwise.AddRowBias(actual.AsSpan(), bias, rows, cols);
            Tolerance.Float32.Exact.AssertClose<float>(expected, actual, $"add row bias {rows}x{cols}");
        }
    }

    [ParityCheck]
    public static void AccumulateColumnSums()
    {
        foreach (var (rows, cols) in s_matrixShapes)
        {
            float[] dy = TestData.Floats(rows * cols, 1700 + rows);
            float[] expected = TestData.Floats(cols, 1701), actual = (float[])expected.Clone();
            // Both sum the rows in order, but the reference adds the column total to sums at the end.
            double[] scales = new double[cols];
            for (int c = 0; c < cols; c++)
            {
                scales[c] = Math.Abs(expected[c]);
                for (int r = 0; r < rows; r++)
                    scales[c] += Math.Abs(dy[r * cols + c]);
            }
            ReferenceElementwise.AccumulateColumnSums<float>(dy, expected, rows, cols);
            Elementwise.AccumulateColumnSums<float>(dy, actual, rows, cols);
            Tolerance.Float32.Reduction.AssertClose<float>(expected, actual, $"column sums {rows}x{cols}", scales);
        }
    }
}
