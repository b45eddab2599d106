using Mnist.Engine.Kernels;
using Mnist.Engine.Kernels.Common;
using Mnist.Engine.Kernels.Reference;
using Mnist.Engine.Tests.TestSupport;

namespace Mnist.Engine.Tests.Kernels;

/// <summary>
/// The batch-1 inference kernels against the scalar references: the direct single-channel 3×3 convolution and the
/// prepared-weights forward pass against <see cref="ReferenceConvolution"/>, the GEMV against <see cref="ReferenceGemm"/>;
/// batch 1 and more, channel counts 1 and 17, odd sizes, rows that do not fill a vector.
/// </summary>
internal static class InferenceParityChecks
{
    [ParityCheck]
    public static void SingleChannelConvolution()
    {
        Conv2dGeometry[] geometries =
        [
            new(1, 1, 28, 28, 64, 3), new(1, 1, 3, 3, 1, 3), new(2, 1, 7, 9, 17, 3), new(3, 1, 13, 30, 5, 3),
            new(1, 1, 19, 5, 17, 3), new(1, 1, 4, 40, 2, 3),
        ];
        int seed = 900;
        foreach (var g in geometries)
        {
            seed += 10;
            var x = TestData.Floats(g.Batch * g.InputItem, seed);
            var w = TestData.Floats(g.WeightLength, seed + 1);
            var b = TestData.Floats(g.OutChannels, seed + 2);
            string label = $"{g} ({Isa.Describe()})";
            Assert.True(Convolution.IsSingleChannel3x3(g), label);
            foreach (bool withBias in new[] { true, false })
            {
                var bias = withBias ? b : [];
                var expected = new float[g.Batch * g.OutputItem];
                ReferenceConvolution.Forward<float>(g, x, w, bias, expected);
                var actual = TestData.Floats(expected.Length, seed + 3); // overwritten
                Convolution.ForwardSingleChannel(g, x, w, bias, actual);
                var scales = Enumerable.Repeat(10.0, expected.Length).ToArray();
                Tolerance.Float32.Reduction.AssertClose<float>(expected, actual, $"direct conv bias={withBias} {label}", scales);
                var rectified = new float[expected.Length];
                Convolution.ForwardSingleChannel(g, x, w, bias, rectified, relu: true);
                Tolerance.Float32.Exact.AssertClose<float>(actual.Select(v => Math.Max(v, 0f)).ToArray(), rectified, $"direct conv fused ReLU {label}");
            }
        }
        Assert.False(Convolution.IsSingleChannel3x3(new(1, 1, 28, 28, 8, 3, 1, 1)));
        Assert.False(Convolution.IsSingleChannel3x3(new(1, 2, 28, 28, 8, 3)));
        Assert.Throws<ArgumentException>(() => Convolution.ForwardSingleChannel(new(1, 1, 5, 5, 2, 3), new float[24], new float[18], default, new float[18]));
    }

    [ParityCheck]
    public static void Gemv()
    {
        // Rows past a multiple of 4, k past a multiple of the vector pair, and layers big enough to be split over threads.
        (int Rows, int K)[] shapes = [(1, 1), (3, 17), (17, 33), (10, 128), (5, 31), (128, 1600), (130, 2053), (128, 9216), (9, 64)];
        int seed = 950;
        foreach (var (rows, k) in shapes)
        {
            seed += 10;
            var w = TestData.Floats(rows * k, seed);
            var x = TestData.Floats(k, seed + 1);
            var b = TestData.Floats(rows, seed + 2);
            var expected = new float[rows];
            ReferenceGemm.Multiply<float>(false, true, 1, rows, k, x, k, w, k, expected, rows, false);
            var unbiased = TestData.Floats(rows, seed + 3); // overwritten
            Mnist.Engine.Kernels.Gemv.Multiply(rows, k, w, x, default, unbiased);
            string label = $"gemv {rows}x{k} ({Isa.Describe()})";
            var scales = Enumerable.Repeat((double)k + 1, rows).ToArray();
            Tolerance.Float32.Reduction.AssertClose<float>(expected, unbiased, label, scales);
            var biased = new float[rows];
            Mnist.Engine.Kernels.Gemv.Multiply(rows, k, w, x, b, biased);
            Tolerance.Float32.Exact.AssertClose<float>(unbiased.Zip(b, (y, bias) => y + bias).ToArray(), biased, label + " with bias");
        }
        Assert.Throws<ArgumentException>(() => Mnist.Engine.Kernels.Gemv.Multiply(2, 3, new float[5], new float[3], default, new float[2]));
    }

    [ParityCheck]
    public static void GemvThreadCountDoesNotChangeResults()
    {
        int rows = 130, k = 2053;
        var w = TestData.Floats(rows * k, 1);
        var x = TestData.Floats(k, 2);
        var one = new float[rows];
        var two = new float[rows];
        int saved = Parallelism.Degree;
        try
        {
            Parallelism.Degree = 1;
            Mnist.Engine.Kernels.Gemv.Multiply(rows, k, w, x, default, one);
            Parallelism.Degree = 3;
            Mnist.Engine.Kernels.Gemv.Multiply(rows, k, w, x, default, two);
        }
        finally
        {
            Parallelism.Degree = saved;
        }
        Tolerance.Float32.Exact.AssertClose<float>(one, two, "gemv 1 vs 3 threads");
    }

    [ParityCheck]
    public static void PreparedWeightsForward()
    {
        // Winograd (64→64 26×26, as seed conv2; 17→17 with padding), packed im2col (32→64 13×13, as lenet conv2; 3→17),
        // the direct single-channel kernel, batch 1 and 2.
        Conv2dGeometry[] geometries =
        [
            new(1, 64, 26, 26, 64, 3), new(2, 17, 11, 13, 17, 3, 1, 1), new(1, 32, 13, 13, 64, 3), new(1, 3, 9, 7, 17, 3),
            new(2, 17, 6, 6, 5, 2, 2), new(1, 1, 28, 28, 17, 3),
        ];
        int seed = 990;
        foreach (var g in geometries)
        {
            seed += 10;
            var x = TestData.Floats(g.Batch * g.InputItem, seed);
            var w = TestData.Floats(g.WeightLength, seed + 1);
            var b = TestData.Floats(g.OutChannels, seed + 2);
            string label = $"{g} ({Isa.Describe()})";
            var prepared = new PreparedConvolutionWeights();
            var expected = new float[g.Batch * g.OutputItem];
            var actual = new float[expected.Length];
            var scales = Enumerable.Repeat((double)g.PatchSize + 1, expected.Length).ToArray();
            ReferenceConvolution.Forward<float>(g, x, w, b, expected);
            Convolution.ForwardInference(g, x, w, b, actual, false, prepared);
            WinogradParityChecks.Float32Winograd.AssertClose<float>(expected, actual, "prepared forward " + label, scales);
            // A second call reuses what was prepared and gives the same bits.
            int preparations = prepared.Preparations;
            var again = new float[expected.Length];
            Convolution.ForwardInference(g, x, w, b, again, false, prepared);
            Tolerance.Float32.Exact.AssertClose<float>(actual, again, "prepared forward, second call " + label);
            Assert.Equal(preparations, prepared.Preparations);
            // Weights changed in place (as an optimizer step does): re-prepared, and the result follows the new weights.
            for (int i = 0; i < w.Length; i += 3) w[i] = -w[i] * 0.5f;
            ReferenceConvolution.Forward<float>(g, x, w, b, expected);
            Convolution.ForwardInference(g, x, w, b, actual, true, prepared);
            WinogradParityChecks.Float32Winograd.AssertClose<float>(expected.Select(v => Math.Max(v, 0f)).ToArray(), actual,
                "prepared forward after a weight change, ReLU " + label, scales);
        }
    }
}
