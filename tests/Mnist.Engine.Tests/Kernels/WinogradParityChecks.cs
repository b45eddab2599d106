using Mnist.Engine.Kernels;
using Mnist.Engine.Kernels.Common;
using Mnist.Engine.Kernels.Reference;
using Mnist.Engine.Tests.TestSupport;

namespace Mnist.Engine.Tests.Kernels;

/// <summary>
/// <see cref="Winograd"/> F(4×4,3×3) against its matrix-form oracle <see cref="ReferenceWinograd"/> and the direct loops of
/// <see cref="ReferenceConvolution"/>: forward (bias, fused ReLU), input gradient and weight gradient, with batch 1 and more, channel
/// counts 1, 16 and 17, odd sizes, padding 0, 1 and 2, border tiles, and fewer tile panels than threads.
/// </summary>
internal static class WinogradParityChecks
{
    /// <summary>
    /// Winograd against the direct sum, scaled by the number of terms (inputs in [−1, 1)). The transforms multiply by
    /// up to 8 and 5 and cancel, so F(4×4,3×3) rounds several times worse than a direct float32 dot product; the
    /// largest error measured over these cases is reported in docs/benchmarks.md.
    /// </summary>
    public static Tolerance Float32Winograd { get; } = new("f32.winograd-f4x3", 1e-6, 1e-5);

    private static readonly Conv2dGeometry[] s_geometries =
    [
        new(1, 1, 7, 9, 1, 3),
        new(1, 17, 11, 13, 17, 3, 1, 1),
        new(2, 17, 9, 9, 5, 3),
        new(3, 16, 26, 26, 16, 3),
        new(1, 5, 3, 3, 7, 3, 1, 1),
        new(2, 3, 6, 5, 20, 3, 1, 2),
        new(1, 64, 10, 10, 64, 3, 1, 1),
        new(5, 17, 14, 14, 33, 3, 1, 1),
        // 36 tiles: panels of fewer than NR tiles in the forward pass at every vector width but 256-bit, which the
        // weight gradient's dense blocks of NR must not follow.
        new(1, 4, 26, 26, 6, 3),
        new(2, 3, 42, 42, 5, 3),
    ];

    private static IEnumerable<(Conv2dGeometry G, float[] X, float[] W, float[] B, float[] Dy, string Label)> Cases()
    {
        int seed = 500;
        foreach (var g in s_geometries)
        {
            seed += 10;
            yield return (g, TestData.Floats(g.Batch * g.InputItem, seed), TestData.Floats(g.WeightLength, seed + 1),
                TestData.Floats(g.OutChannels, seed + 2), TestData.Floats(g.Batch * g.OutputItem, seed + 3), $"{g} ({Isa.Describe()})");
        }
    }

    [ParityCheck]
    public static void WinogradForward()
    {
        foreach (var (g, x, w, b, _, label) in Cases())
        {
            var direct = new float[g.Batch * g.OutputItem];
            var oracle = new float[direct.Length];
            var actual = TestData.Floats(direct.Length, 9); // overwritten
            ReferenceConvolution.Forward<float>(g, x, w, b, direct);
            ReferenceWinograd.Forward<float>(g, x, w, b, oracle);
            Winograd.Forward(g, x, w, b, actual);
            var scales = Scales(direct.Length, g.PatchSize + 1);
            // Same transforms, GEMM summing the channels in another order.
            Tolerance.Float32.Reduction.AssertClose<float>(oracle, actual, "winograd forward vs matrix oracle " + label, scales);
            Float32Winograd.AssertClose<float>(direct, actual, "winograd forward vs direct " + label, scales);
            var rectified = new float[direct.Length];
            Winograd.Forward(g, x, w, b, rectified, relu: true);
            Tolerance.Float32.Exact.AssertClose<float>(actual.Select(v => Math.Max(v, 0f)).ToArray(), rectified, "winograd forward with fused ReLU " + label);
            var unbiased = new float[direct.Length];
            ReferenceConvolution.Forward<float>(g, x, w, default, direct);
            Winograd.Forward(g, x, w, default, unbiased);
            Float32Winograd.AssertClose<float>(direct, unbiased, "winograd forward without bias " + label, scales);
        }
    }

    [ParityCheck]
    public static void WinogradBackwardData()
    {
        foreach (var (g, _, w, _, dy, label) in Cases())
        {
            var expected = new float[g.Batch * g.InputItem];
            var actual = TestData.Floats(expected.Length, 5); // overwritten, not accumulated
            ReferenceConvolution.BackwardData<float>(g, dy, w, expected);
            Winograd.BackwardData(g, dy, w, actual);
            Float32Winograd.AssertClose<float>(expected, actual, "winograd input gradient " + label,
                Scales(expected.Length, g.OutChannels * g.Kernel * g.Kernel));
        }
    }

    [ParityCheck]
    public static void WinogradBackwardWeights()
    {
        foreach (var (g, x, _, _, dy, label) in Cases())
        {
            var initial = TestData.Floats(g.WeightLength, 6);
            var expected = (float[])initial.Clone();
            var actual = (float[])initial.Clone(); // accumulated into
            ReferenceConvolution.BackwardWeights<float>(g, x, dy, expected, default);
            Winograd.BackwardWeights(g, x, dy, actual);
            Float32Winograd.AssertClose<float>(expected, actual, "winograd weight gradient " + label,
                Scales(expected.Length, g.Batch * g.OutPixels + 1));
        }
    }

    [ParityCheck]
    public static void WinogradThreadCountDoesNotChangeResults()
    {
        // 2 panels of tiles at every vector width's panel size or fewer: exercises the output-channel split too.
        foreach (var g in new Conv2dGeometry[] { new(1, 16, 9, 9, 40, 3, 1, 1), new(9, 16, 12, 12, 20, 3) })
        {
            var x = TestData.Floats(g.Batch * g.InputItem, 1);
            var w = TestData.Floats(g.WeightLength, 2);
            var dy = TestData.Floats(g.Batch * g.OutputItem, 3);
            int saved = Parallelism.Degree;
            try
            {
                (float[] Y, float[] Dx, float[] Dw) Run(int threads)
                {
                    Parallelism.Degree = threads;
                    var y = new float[g.Batch * g.OutputItem];
                    var dx = new float[g.Batch * g.InputItem];
                    var dw = new float[g.WeightLength];
                    Winograd.Forward(g, x, w, default, y);
                    Winograd.BackwardData(g, dy, w, dx);
                    Winograd.BackwardWeights(g, x, dy, dw);
                    return (y, dx, dw);
                }
                var one = Run(1);
                foreach (int threads in new[] { 2, 3 })
                {
                    var other = Run(threads);
                    Tolerance.Float32.Exact.AssertClose<float>(one.Y, other.Y, $"winograd forward, 1 vs {threads} threads {g}");
                    Tolerance.Float32.Exact.AssertClose<float>(one.Dx, other.Dx, $"winograd input gradient, 1 vs {threads} threads {g}");
                    Tolerance.Float32.Exact.AssertClose<float>(one.Dw, other.Dw, $"winograd weight gradient, 1 vs {threads} threads {g}");
                }
            }
            finally
            {
                Parallelism.Degree = saved;
            }
        }
    }

    private static double[] Scales(int length, int terms) => Enumerable.Repeat((double)terms, length).ToArray();
}
