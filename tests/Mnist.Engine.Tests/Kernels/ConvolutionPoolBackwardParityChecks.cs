using Mnist.Engine.Kernels;
using Mnist.Engine.Kernels.Common;
using Mnist.Engine.Kernels.Reference;
using Mnist.Engine.Tests.TestSupport;

namespace Mnist.Engine.Tests.Kernels;

/// <summary>
/// The sparse backward pass of convolution → ReLU → 2×2 max pool (<see cref="Convolution.BackwardReluMaxPool"/>)
/// against <see cref="ReferenceConvolutionPool.BackwardWeights{T}"/> and <see cref="ReferenceConvolutionPool.BackwardData{T}"/>:
/// batch 1 and more; 1, 2, 16, 17, 32 and 33 input channels (one vector pair of channels, a partial one, more than one);
/// 1 to 17 output channels; odd convolution outputs (a last row and column in no window) and the smallest 2×2 one;
/// with and without bias and input gradient; ties; and inputs or weights with NaN or ±∞, which it must decline
/// without writing anything.
/// </summary>
internal static class ConvolutionPoolBackwardParityChecks
{
    private static readonly Conv2dGeometry[] s_geometries =
    [
        new(1, 1, 5, 5, 1, 3),
        new(2, 17, 9, 8, 3, 3),
        new(3, 33, 7, 7, 17, 3),
        new(2, 32, 13, 13, 5, 3),
        new(1, 2, 4, 4, 2, 3),
        new(5, 16, 10, 11, 4, 3),
    ];

    private static int PooledLength(Conv2dGeometry g) => g.Batch * g.OutChannels * (g.OutHeight / 2) * (g.OutWidth / 2);

    [ParityCheck]
    public static void Backward()
    {
        int seed = 1200, masked = 0;
        foreach (var g in s_geometries)
        {
            seed += 10;
            int length = g.Batch * g.InputItem, pooledLength = PooledLength(g);
            var w = TestData.Floats(g.WeightLength, seed + 1);
            var b = TestData.Floats(g.OutChannels, seed + 2, -0.2f, 0.2f);
            var cases = new (float[] X, float[] W, bool Bias, bool InputGradient, string Label)[]
            {
                (TestData.Floats(length, seed), w, true, true, "random"),
                (TestData.Floats(length, seed + 3), w, false, true, "random, no bias"),
                (TestData.Floats(length, seed + 4), w, true, false, "random, no input gradient"),
                // Integer levels with integer weights: equal window cells (ties) and zero outputs are common.
                (TestData.Levels(length, seed, 3), TestData.Levels(g.WeightLength, seed, 3).Select(v => v - 1f).ToArray(), true, true, "ties"),
            };
            foreach (var (x, wc, hasBias, wantDx, label) in cases)
            {
                string what = $"conv-relu-pool backward {g} {label}";
                var pooled = new float[pooledLength];
                var corners = new int[pooledLength];
                ReferenceConvolutionPool.Forward<float>(g, x, wc, b, pooled, corners);
                masked += corners.Count(c => c == Convolution.NoCorner);
                var dy = TestData.Floats(pooledLength, seed + 5);
                // Prefilled: the parameter gradients accumulate, the input gradient is overwritten.
                float[] expectedW = TestData.Floats(g.WeightLength, 1), actualW = (float[])expectedW.Clone();
                float[] expectedB = hasBias ? TestData.Floats(g.OutChannels, 2) : [], actualB = (float[])expectedB.Clone();
                float[] expectedX = new float[wantDx ? length : 0], actualX = wantDx ? TestData.Floats(length, 3) : [];
                ReferenceConvolutionPool.BackwardWeights<float>(g, x, dy, corners, expectedW, expectedB);
                if (wantDx) ReferenceConvolutionPool.BackwardData<float>(g, wc, dy, corners, expectedX);
                if (!Convolution.BackwardReluMaxPool(g, x, wc, dy, corners, actualW, actualB, actualX))
                    throw new ParityMismatchException($"{what}: declined finite inputs");

                // Sums in another order: judged against Σ|terms| (the reference on magnitudes, plus the prefill).
                var absX = x.Select(Math.Abs).ToArray();
                var absW = wc.Select(Math.Abs).ToArray();
                var absDy = dy.Select(Math.Abs).ToArray();
                float[] sumW = expectedW.Select(Math.Abs).ToArray(), sumB = expectedB.Select(Math.Abs).ToArray();
                ReferenceConvolutionPool.BackwardWeights<float>(g, absX, absDy, corners, sumW, sumB);
                Tolerance.Float32.Reduction.AssertClose<float>(expectedW, actualW, $"{what} weight gradient", sumW.Select(v => (double)v).ToArray());
                Tolerance.Float32.Reduction.AssertClose<float>(expectedB, actualB, $"{what} bias gradient", sumB.Select(v => (double)v).ToArray());
                if (!wantDx) continue;
                var sumX = new float[length];
                ReferenceConvolutionPool.BackwardData<float>(g, absW, absDy, corners, sumX);
                Tolerance.Float32.Reduction.AssertClose<float>(expectedX, actualX, $"{what} input gradient", sumX.Select(v => (double)v).ToArray());
            }
        }
        if (masked == 0) throw new ParityMismatchException("conv-relu-pool backward: no case has a masked window");
    }

    [ParityCheck]
    public static void DeclinesNonFiniteInputsAndWeights()
    {
        var g = new Conv2dGeometry(2, 17, 9, 9, 3, 3);
        int length = g.Batch * g.InputItem, pooledLength = PooledLength(g);
        var finiteX = TestData.Floats(length, 41);
        var finiteW = TestData.Floats(g.WeightLength, 42);
        var corners = new int[pooledLength];
        ReferenceConvolutionPool.Forward<float>(g, finiteX, finiteW, [], new float[pooledLength], corners);
        var dy = TestData.Floats(pooledLength, 43);
        foreach (var (x, w, label) in new[]
        {
            (TestData.WithSpecials(TestData.Floats(length, 44), 44), finiteW, "input with NaN/±∞"),
            (finiteX, TestData.WithSpecials(TestData.Floats(g.WeightLength, 45), 45), "weights with NaN/±∞"),
        })
        {
            float[] dw = TestData.Floats(g.WeightLength, 46), db = TestData.Floats(g.OutChannels, 47), dx = TestData.Floats(length, 48);
            float[] dw0 = (float[])dw.Clone(), db0 = (float[])db.Clone(), dx0 = (float[])dx.Clone();
            if (Convolution.BackwardReluMaxPool(g, x, w, dy, corners, dw, db, dx))
                throw new ParityMismatchException($"conv-relu-pool backward, {label}: not declined");
            Tolerance.Float32.Exact.AssertClose<float>(dw0, dw, $"conv-relu-pool backward, {label}: weight gradient untouched");
            Tolerance.Float32.Exact.AssertClose<float>(db0, db, $"conv-relu-pool backward, {label}: bias gradient untouched");
            Tolerance.Float32.Exact.AssertClose<float>(dx0, dx, $"conv-relu-pool backward, {label}: input gradient untouched");
        }
    }

    [ParityCheck]
    public static void BackwardThreadCountDoesNotChangeResults()
    {
        var g = new Conv2dGeometry(5, 33, 11, 12, 17, 3);
        var x = TestData.Floats(g.Batch * g.InputItem, 51);
        var w = TestData.Floats(g.WeightLength, 52);
        int pooledLength = PooledLength(g);
        var corners = new int[pooledLength];
        ReferenceConvolutionPool.Forward<float>(g, x, w, TestData.Floats(g.OutChannels, 53), new float[pooledLength], corners);
        var dy = TestData.Floats(pooledLength, 54);
        int saved = Parallelism.Degree;
        try
        {
            (float[] Dw, float[] Db, float[] Dx) Run(int threads)
            {
                Parallelism.Degree = threads;
                float[] dw = new float[g.WeightLength], db = new float[g.OutChannels], dx = new float[x.Length];
                if (!Convolution.BackwardReluMaxPool(g, x, w, dy, corners, dw, db, dx))
                    throw new ParityMismatchException("conv-relu-pool backward declined finite inputs");
                return (dw, db, dx);
            }
            var one = Run(1);
            foreach (int threads in new[] { 2, 3 })
            {
                var other = Run(threads);
                Tolerance.Float32.Exact.AssertClose<float>(one.Dw, other.Dw, $"conv-relu-pool backward weight gradient, 1 vs {threads} threads");
                Tolerance.Float32.Exact.AssertClose<float>(one.Db, other.Db, $"conv-relu-pool backward bias gradient, 1 vs {threads} threads");
                Tolerance.Float32.Exact.AssertClose<float>(one.Dx, other.Dx, $"conv-relu-pool backward input gradient, 1 vs {threads} threads");
            }
        }
        finally
        {
            Parallelism.Degree = saved;
        }
    }
}
