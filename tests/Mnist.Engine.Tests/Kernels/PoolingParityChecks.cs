using Mnist.Engine.Kernels;
using Mnist.Engine.Kernels.Common;
using Mnist.Engine.Kernels.Reference;
using Mnist.Engine.Tests.TestSupport;

namespace Mnist.Engine.Tests.Kernels;

/// <summary>
/// <see cref="Pooling"/> (float path) against <see cref="ReferencePooling"/> over channel counts 1, 3, 17, batch 1
/// and more, 28x28 and odd/non-square sizes, and kernel/stride/padding variants; inputs with many ties and with NaNs.
/// </summary>
internal static class PoolingParityChecks
{
    private static readonly (int Kernel, int Stride, int Padding)[] s_windows = [(2, 2, 0), (3, 2, 1), (3, 1, 1), (2, 1, 0), (5, 3, 2), (3, 3, 0), (1, 1, 0)];

    private static readonly (int Batch, int Channels, int Height, int Width)[] s_shapes = [(1, 1, 28, 28), (1, 3, 13, 13), (2, 17, 13, 9), (1, 17, 5, 7), (2, 3, 14, 14), (1, 2, 11, 11)];

    private static IEnumerable<(string Label, float[] X, int Batch, int Channels, int Height, int Width, int Kernel, int Stride, int Padding)> Cases()
    {
        int seed = 0;
        foreach (var (batch, channels, height, width) in s_shapes)
            foreach (var (kernel, stride, padding) in s_windows)
            {
                if (Pooling.OutputSize(Math.Min(height, width), kernel, stride, padding) < 1)
                    continue;
                int length = batch * channels * height * width;
                seed++;
                // Three inputs per geometry: random (all distinct), few levels (ties), negative with NaNs (padding never wins).
                var label = $"{batch}x{channels}x{height}x{width} k{kernel} s{stride} p{padding}";
                yield return (label + " random", TestData.Floats(length, seed), batch, channels, height, width, kernel, stride, padding);
                yield return (label + " ties", TestData.Levels(length, seed, 3), batch, channels, height, width, kernel, stride, padding);
                yield return (label + " specials", TestData.WithSpecials(TestData.Floats(length, seed, -2f, -1f), seed),
                    batch, channels, height, width, kernel, stride, padding);
            }
    }

    [ParityCheck]
    public static void MaxPool2d()
    {
        foreach (var (label, x, batch, channels, height, width, kernel, stride, padding) in Cases())
        {
            int outLength = batch * channels * Pooling.OutputSize(height, kernel, stride, padding) * Pooling.OutputSize(width, kernel, stride, padding);
            float[] expected = new float[outLength], actual = new float[outLength];
            int[] expectedArgmax = new int[outLength], actualArgmax = new int[outLength];
            ReferencePooling.MaxPool2d<float>(x, batch, channels, height, width, kernel, stride, padding, expected, expectedArgmax);
            Pooling.MaxPool2d<float>(x, batch, channels, height, width, kernel, stride, padding, actual, actualArgmax);
            Tolerance.Float32.Exact.AssertClose<float>(expected, actual, $"max pool {label}");
            AssertEqual(expectedArgmax, actualArgmax, $"max pool argmax {label}");
        }
    }

    [ParityCheck]
    public static void MaxPool2dBackward()
    {
        foreach (var (label, x, batch, channels, height, width, kernel, stride, padding) in Cases())
        {
            int outLength = batch * channels * Pooling.OutputSize(height, kernel, stride, padding) * Pooling.OutputSize(width, kernel, stride, padding);
            float[] y = new float[outLength];
            int[] argmax = new int[outLength];
            Pooling.MaxPool2d<float>(x, batch, channels, height, width, kernel, stride, padding, y, argmax);
            float[] dy = TestData.Floats(outLength, outLength);
            // Prefilled, not zero: backward accumulates.
            float[] expected = TestData.Floats(x.Length, 7), actual = (float[])expected.Clone();
            ReferencePooling.MaxPool2dBackward<float>(dy, argmax, expected);
            Pooling.MaxPool2dBackward<float>(dy, argmax, actual);
            Tolerance.Float32.Exact.AssertClose<float>(expected, actual, $"max pool backward {label}");

            // The overwriting overload equals zeroing then scattering, whatever dx held before.
            float[] zeroed = new float[x.Length], overwritten = TestData.Floats(x.Length, 8);
            ReferencePooling.MaxPool2dBackward<float>(dy, argmax, zeroed);
            Pooling.MaxPool2dBackward<float>(dy, argmax, overwritten, batch, channels, height, width, kernel, stride, padding);
            Tolerance.Float32.Exact.AssertClose<float>(zeroed, overwritten, $"max pool backward (overwrite) {label}");
        }
    }

    [ParityCheck]
    public static void AvgPool2d()
    {
        foreach (var (label, x, batch, channels, height, width, kernel, stride, padding) in Cases())
            foreach (bool includePad in new[] { false, true })
            {
                int outLength = batch * channels * Pooling.OutputSize(height, kernel, stride, padding) * Pooling.OutputSize(width, kernel, stride, padding);
                float[] expected = new float[outLength], actual = new float[outLength];
                ReferencePooling.AvgPool2d<float>(x, batch, channels, height, width, kernel, stride, padding, includePad, expected);
                Pooling.AvgPool2d<float>(x, batch, channels, height, width, kernel, stride, padding, includePad, actual);
                Tolerance.Float32.Arithmetic.AssertClose<float>(expected, actual, $"avg pool {label} includePad={includePad}");
            }
    }

    /// <summary>A batch big enough to be split over threads gives the same bits with 1 and 2 threads, and matches the reference.</summary>
    [ParityCheck]
    public static void MaxPool2dThreadCountIndependent()
    {
        const int Batch = 24, Channels = 17, Size = 28;
        float[] x = TestData.Floats(Batch * Channels * Size * Size, 42);
        int outLength = Batch * Channels * 14 * 14;
        float[] expected = new float[outLength], one = new float[outLength], two = new float[outLength];
        int[] expectedArgmax = new int[outLength], oneArgmax = new int[outLength], twoArgmax = new int[outLength];
        ReferencePooling.MaxPool2d<float>(x, Batch, Channels, Size, Size, 2, 2, 0, expected, expectedArgmax);
        int saved = Parallelism.Degree;
        try
        {
            Parallelism.Degree = 1;
            Pooling.MaxPool2d<float>(x, Batch, Channels, Size, Size, 2, 2, 0, one, oneArgmax);
            Parallelism.Degree = 2;
            Pooling.MaxPool2d<float>(x, Batch, Channels, Size, Size, 2, 2, 0, two, twoArgmax);
        }
        finally
        {
            Parallelism.Degree = saved;
        }
        Tolerance.Float32.Exact.AssertClose<float>(expected, one, "max pool 1 thread");
        Tolerance.Float32.Exact.AssertClose<float>(one, two, "max pool 2 threads vs 1");
        AssertEqual(expectedArgmax, twoArgmax, "max pool argmax 2 threads");
    }

    private static void AssertEqual(int[] expected, int[] actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            if (expected[i] != actual[i])
                throw new ParityMismatchException($"{what}: index {i}: expected {expected[i]}, actual {actual[i]}.");
        }
    }
}
