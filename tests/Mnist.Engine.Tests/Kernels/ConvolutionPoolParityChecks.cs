using Mnist.Engine.Kernels;
using Mnist.Engine.Kernels.Common;
using Mnist.Engine.Kernels.Reference;
using Mnist.Engine.Tests.TestSupport;

namespace Mnist.Engine.Tests.Kernels;

/// <summary>
/// The fused convolution → ReLU → 2×2 max pool (<see cref="Convolution.ForwardReluMaxPool"/>,
/// <see cref="Convolution.BackwardWeightsReluMaxPool"/>) against <see cref="ReferenceConvolutionPool"/>: batch 1 and
/// more, 1, 2 and 17 channels in and out, odd convolution outputs (a last row and column in no window), rows of
/// exactly 8 windows, of 9, 13, 16 and 17 (a last 8- or 16-lane step overlapping the one before, or one 16-lane
/// step with lanes past the row), rows too short to vectorize,
/// 3×3 and 2×2 kernels, with and without bias, and inputs with ties, NaN and ±∞.
/// </summary>
internal static class ConvolutionPoolParityChecks
{
    private static readonly Conv2dGeometry[] s_geometries =
    [
        new(1, 1, 28, 28, 32, 3),
        new(2, 1, 19, 21, 17, 3),
        new(1, 1, 18, 18, 1, 3),
        new(1, 1, 40, 37, 3, 3),
        new(2, 1, 36, 36, 2, 3),
        new(3, 2, 9, 20, 1, 2),
        new(1, 17, 12, 22, 3, 3),
        new(2, 1, 11, 11, 17, 3),
        new(1, 1, 4, 4, 2, 3),
    ];

    private static IEnumerable<(Conv2dGeometry G, float[] X, float[] W, float[] B, string Label)> Cases()
    {
        int seed = 900;
        foreach (var g in s_geometries)
        {
            seed++;
            var w = TestData.Floats(g.WeightLength, seed + 1);
            var b = TestData.Floats(g.OutChannels, seed + 2, -0.2f, 0.2f);
            int length = g.Batch * g.InputItem;
            yield return (g, TestData.Floats(length, seed), w, b, $"{g} random");
            yield return (g, TestData.Floats(length, seed), w, [], $"{g} random, no bias");
            // Integer levels with integer weights: exact sums, so equal window cells (ties) and zeros are common.
            yield return (g, TestData.Levels(length, seed, 3), TestData.Levels(g.WeightLength, seed, 3).Select(v => v - 1f).ToArray(), [], $"{g} ties");
            yield return (g, TestData.WithSpecials(TestData.Floats(length, seed), seed), w, b, $"{g} specials");
        }
    }

    private static int PooledLength(Conv2dGeometry g) => g.Batch * g.OutChannels * (g.OutHeight / 2) * (g.OutWidth / 2);

    [ParityCheck]
    public static void Forward()
    {
        int masked = 0;
        foreach (var (g, x, w, b, label) in Cases())
        {
            int length = PooledLength(g);
            float[] expected = new float[length], actual = TestData.Floats(length, 3);
            int[] expectedCorners = new int[length], actualCorners = new int[length];
            ReferenceConvolutionPool.Forward<float>(g, x, w, b, expected, expectedCorners);
            Convolution.ForwardReluMaxPool(g, x, w, b, actual, actualCorners, new float[Convolution.ReluMaxPoolScratchLength(g)]);
            Tolerance.Float32.Exact.AssertClose<float>(expected, actual, $"conv-relu-pool {label}");
            for (int i = 0; i < length; i++)
                if (expectedCorners[i] != actualCorners[i])
                    throw new ParityMismatchException($"conv-relu-pool corner {label} [{i}]: expected {expectedCorners[i]}, actual {actualCorners[i]}");
            masked += expectedCorners.Count(c => c == Convolution.NoCorner);
        }
        if (masked == 0) throw new ParityMismatchException("conv-relu-pool: no case has a masked window");
    }

    [ParityCheck]
    public static void BackwardWeights()
    {
        foreach (var (g, x, w, b, label) in Cases())
        {
            int length = PooledLength(g);
            var pooled = new float[length];
            var corners = new int[length];
            ReferenceConvolutionPool.Forward<float>(g, x, w, b, pooled, corners);
            var dy = TestData.Floats(length, length + 5);
            // Prefilled: both accumulate.
            float[] expectedW = TestData.Floats(g.WeightLength, 1), actualW = (float[])expectedW.Clone();
            float[] expectedB = TestData.Floats(g.OutChannels, 2), actualB = (float[])expectedB.Clone();
            ReferenceConvolutionPool.BackwardWeights<float>(g, x, dy, corners, expectedW, expectedB);
            Convolution.BackwardWeightsReluMaxPool(g, x, dy, corners, actualW, actualB, new float[Convolution.ReluMaxPoolScratchLength(g)]);
            // Sums in another order: judged against Σ|terms| (the reference on magnitudes, plus the prefill).
            double[] scaleW = new double[g.WeightLength], scaleB = new double[g.OutChannels];
            var absX = x.Select(Math.Abs).ToArray();
            var absDy = dy.Select(Math.Abs).ToArray();
            float[] sumW = expectedW.Select(Math.Abs).ToArray(), sumB = expectedB.Select(Math.Abs).ToArray();
            ReferenceConvolutionPool.BackwardWeights<float>(g, absX, absDy, corners, sumW, sumB);
            for (int i = 0; i < scaleW.Length; i++) scaleW[i] = sumW[i];
            for (int i = 0; i < scaleB.Length; i++) scaleB[i] = sumB[i];
            Tolerance.Float32.Reduction.AssertClose<float>(expectedW, actualW, $"conv-relu-pool weight gradient {label}", scaleW);
            Tolerance.Float32.Reduction.AssertClose<float>(expectedB, actualB, $"conv-relu-pool bias gradient {label}", scaleB);
        }
    }

    [ParityCheck]
    public static void ThreadCountDoesNotChangeResults()
    {
        var g = new Conv2dGeometry(5, 1, 28, 28, 17, 3);
        var x = TestData.Floats(g.Batch * g.InputItem, 4);
        var w = TestData.Floats(g.WeightLength, 5);
        var b = TestData.Floats(g.OutChannels, 6);
        int length = PooledLength(g);
        var dy = TestData.Floats(length, 7);
        int saved = Parallelism.Degree;
        try
        {
            (float[] Pooled, float[] Dw, float[] Db) Run(int threads)
            {
                Parallelism.Degree = threads;
                var scratch = new float[Convolution.ReluMaxPoolScratchLength(g)];
                var pooled = new float[length];
                var corners = new int[length];
                Convolution.ForwardReluMaxPool(g, x, w, b, pooled, corners, scratch);
                float[] dw = new float[g.WeightLength], db = new float[g.OutChannels];
                Convolution.BackwardWeightsReluMaxPool(g, x, dy, corners, dw, db, scratch, scratchHoldsInput: true);
                return (pooled, dw, db);
            }
            var one = Run(1);
            // The scratch as the forward pass left it gives what a fresh split gives.
            float[] freshW = new float[g.WeightLength], freshB = new float[g.OutChannels];
            var pooledAgain = new float[length];
            var cornersAgain = new int[length];
            Convolution.ForwardReluMaxPool(g, x, w, b, pooledAgain, cornersAgain, new float[Convolution.ReluMaxPoolScratchLength(g)]);
            Convolution.BackwardWeightsReluMaxPool(g, x, dy, cornersAgain, freshW, freshB, new float[Convolution.ReluMaxPoolScratchLength(g)]);
            Tolerance.Float32.Exact.AssertClose<float>(freshW, one.Dw, "conv-relu-pool weight gradient, forward's scratch vs a fresh one");
            foreach (int threads in new[] { 2, 3 })
            {
                var other = Run(threads);
                Tolerance.Float32.Exact.AssertClose<float>(one.Pooled, other.Pooled, $"conv-relu-pool, 1 vs {threads} threads");
                Tolerance.Float32.Exact.AssertClose<float>(one.Dw, other.Dw, $"conv-relu-pool weight gradient, 1 vs {threads} threads");
                Tolerance.Float32.Exact.AssertClose<float>(one.Db, other.Db, $"conv-relu-pool bias gradient, 1 vs {threads} threads");
            }
        }
        finally
        {
            Parallelism.Degree = saved;
        }
    }
}
