using Mnist.Engine.Kernels;
using Mnist.Engine.Kernels.Common;
using Mnist.Engine.Kernels.Reference;
using Mnist.Engine.Tests.TestSupport;

namespace Mnist.Engine.Tests.Kernels;

/// <summary>
/// <see cref="Convolution"/> (im2col + GEMM, split over threads) against the direct loops of
/// <see cref="ReferenceConvolution"/>: forward, input gradient and weight gradient (from the input and
/// from the cached im2col), with batch 1 and more, channel counts 1, 3 and 17, strides and padding.
/// </summary>
internal static class ConvolutionParityChecks
{
    private static readonly Conv2dGeometry[] s_geometries =
    [
        new(1, 1, 28, 28, 32, 3),
        new(3, 1, 28, 28, 4, 3),
        new(2, 3, 13, 13, 5, 3, 1, 1),
        new(1, 17, 9, 7, 3, 3, 2, 1),
        new(5, 17, 11, 11, 17, 3),
        new(2, 3, 12, 12, 6, 5, 2, 2),
        new(3, 2, 6, 6, 4, 1),
        new(4, 32, 13, 13, 64, 3),
        // The fast network's second block (rows of 14 crossing NR-pixel panels) and a row wider than any panel, padded.
        new(2, 16, 14, 14, 32, 3, 1, 1),
        new(2, 2, 37, 41, 3, 3, 1, 1),
        // Enough 3×3 tiles (11·49) for Convolution to run Winograd for all three passes; 17 and 20 channels fill no panel.
        new(11, 17, 30, 30, 20, 3),
    ];

    private static IEnumerable<(Conv2dGeometry G, float[] X, float[] W, float[] B, float[] Dy, string Label)> Cases()
    {
        int seed = 0;
        foreach (var g in s_geometries)
        {
            seed += 10;
            yield return (g, TestData.Floats(g.Batch * g.InputItem, seed), TestData.Floats(g.WeightLength, seed + 1),
                TestData.Floats(g.OutChannels, seed + 2), TestData.Floats(g.Batch * g.OutputItem, seed + 3), $"{g} ({Isa.Describe()})");
        }
    }

    [ParityCheck]
    public static void Conv2dForward()
    {
        foreach (var (g, x, w, b, _, label) in Cases())
        {
            var expected = new float[g.Batch * g.OutputItem];
            var actual = new float[expected.Length];
            var cached = new float[expected.Length];
            ReferenceConvolution.Forward<float>(g, x, w, b, expected);
            Convolution.Forward<float>(g, x, w, b, actual);
            Convolution.Forward<float>(g, x, w, b, cached, new float[Convolution.ColumnCacheLength<float>(g)]);
            var scales = Scales(expected.Length, g.PatchSize + 1);
            (Winograd.Pays(g) ? WinogradParityChecks.Float32Winograd : Tolerance.Float32.Reduction)
                .AssertClose<float>(expected, actual, "conv forward " + label, scales);
            Tolerance.Float32.Exact.AssertClose<float>(actual, cached, "conv forward with column cache " + label);
            var rectified = new float[expected.Length];
            Convolution.Forward<float>(g, x, w, b, rectified, relu: true);
            Tolerance.Float32.Exact.AssertClose<float>(actual.Select(v => Math.Max(v, 0f)).ToArray(), rectified, "conv forward with fused ReLU " + label);
        }
    }

    [ParityCheck]
    public static void Conv2dBackwardData()
    {
        foreach (var (g, _, w, _, dy, label) in Cases())
        {
            var expected = new float[g.Batch * g.InputItem];
            var actual = TestData.Floats(expected.Length, 5); // overwritten, not accumulated
            ReferenceConvolution.BackwardData<float>(g, dy, w, expected);
            Convolution.BackwardData<float>(g, dy, w, actual);
            (Winograd.PaysBackwardData(g) ? WinogradParityChecks.Float32Winograd : Tolerance.Float32.Reduction)
                .AssertClose<float>(expected, actual, "conv input gradient " + label,
                Scales(expected.Length, g.OutChannels * g.Kernel * g.Kernel));
        }
    }

    [ParityCheck]
    public static void Conv2dBackwardWeights()
    {
        foreach (var (g, x, _, _, dy, label) in Cases())
        {
            var initialW = TestData.Floats(g.WeightLength, 6);
            var initialB = TestData.Floats(g.OutChannels, 7);
            var expectedW = (float[])initialW.Clone();
            var expectedB = (float[])initialB.Clone();
            ReferenceConvolution.BackwardWeights<float>(g, x, dy, expectedW, expectedB);

            var fromInputW = (float[])initialW.Clone();
            var fromInputB = (float[])initialB.Clone();
            Convolution.BackwardWeights<float>(g, x, default, dy, fromInputW, fromInputB);

            var columns = new float[Convolution.ColumnCacheLength<float>(g)];
            Convolution.Forward<float>(g, x, new float[g.WeightLength], default, new float[g.Batch * g.OutputItem], columns);
            var fromColumnsW = (float[])initialW.Clone();
            Convolution.BackwardWeights<float>(g, default, columns, dy, fromColumnsW, default);

            int terms = g.Batch * g.OutPixels + 1;
            // From the input, a geometry Winograd pays for runs Winograd; from cached columns it runs im2col.
            bool winograd = Winograd.PaysBackwardWeights(g) && Winograd.Pays(g);
            (winograd ? WinogradParityChecks.Float32Winograd : Tolerance.Float32.Reduction)
                .AssertClose<float>(expectedW, fromInputW, "conv weight gradient " + label, Scales(expectedW.Length, terms));
            Tolerance.Float32.Reduction.AssertClose<float>(expectedB, fromInputB, "conv bias gradient " + label, Scales(expectedB.Length, terms));
            if (winograd)
                Tolerance.Float32.Reduction.AssertClose<float>(expectedW, fromColumnsW, "conv weight gradient from cached columns " + label, Scales(expectedW.Length, terms));
            else
                Tolerance.Float32.Exact.AssertClose<float>(fromInputW, fromColumnsW, "conv weight gradient from cached columns " + label);
        }
    }

    [ParityCheck]
    public static void Conv2dThreadCountDoesNotChangeResults()
    {
        var g = new Conv2dGeometry(7, 3, 13, 13, 8, 3, 1, 1);
        var x = TestData.Floats(g.Batch * g.InputItem, 1);
        var dy = TestData.Floats(g.Batch * g.OutputItem, 2);
        int saved = Parallelism.Degree;
        try
        {
            float[] Run(int threads)
            {
                Parallelism.Degree = threads;
                var dw = new float[g.WeightLength];
                Convolution.BackwardWeights<float>(g, x, default, dy, dw, default);
                return dw;
            }
            // Weight gradients reduce over the batch; the order of that sum must not depend on threading.
            Tolerance.Float32.Exact.AssertClose<float>(Run(1), Run(2), "conv weight gradient, 1 vs 2 threads");
            Tolerance.Float32.Exact.AssertClose<float>(Run(2), Run(3), "conv weight gradient, 2 vs 3 threads");
        }
        finally
        {
            Parallelism.Degree = saved;
        }
    }

    private static double[] Scales(int length, int terms) => Enumerable.Repeat((double)terms, length).ToArray();
}
