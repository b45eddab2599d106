using Mnist.Engine.Kernels;
using Mnist.Engine.Kernels.Common;
using Mnist.Engine.Kernels.Reference;
using Mnist.Engine.Tests.TestSupport;

namespace Mnist.Engine.Tests.Kernels;

/// <summary>
/// <see cref="Gemm"/> (packed SIMD, dot-product and scalar paths) against <see cref="ReferenceGemm"/> on shapes that
/// are not multiples of the micro-tile (MR=6, NR=2 vectors) or of the vector width, every transpose combination,
/// k beyond one KC block, padded leading dimensions, accumulate on and off, and the parallel variant.
/// </summary>
internal static class GemmParityChecks
{
    private static readonly (int M, int N, int K)[] s_shapes =
    [
        (1, 1, 1), (1, 10, 1), (1, 17, 3), (7, 1, 5), (5, 7, 3), (6, 32, 16), (13, 33, 17), (17, 9, 300),
        (64, 121, 288), (1, 128, 1600), (33, 70, 257), (3, 3079, 2), (100, 50, 520),
        // A·Bᵀ of depth 1024–4095 with 6 rows or more runs packed rather than as dot products.
        (13, 37, 1031),
    ];

    [ParityCheck]
    public static void Gemm()
    {
        int seed = 0;
        foreach (var (m, n, k) in s_shapes)
            foreach (bool transA in new[] { false, true })
                foreach (bool transB in new[] { false, true })
                    foreach (bool accumulate in new[] { false, true })
                    {
                        seed++;
                        // Leading dimensions padded by 3 to catch code that assumes dense storage.
                        int lda = (transA ? m : k) + 3, ldb = (transB ? k : n) + 3, ldc = n + 3;
                        var a = TestData.Floats((transA ? k : m) * lda, seed);
                        var b = TestData.Floats((transB ? n : k) * ldb, seed + 1000);
                        var c0 = TestData.Floats(m * ldc, seed + 2000);
                        var expected = (float[])c0.Clone();
                        var actual = (float[])c0.Clone();
                        var parallel = (float[])c0.Clone();
                        ReferenceGemm.Multiply<float>(transA, transB, m, n, k, a, lda, b, ldb, expected, ldc, accumulate);
                        Mnist.Engine.Kernels.Gemm.Multiply<float>(transA, transB, m, n, k, a, lda, b, ldb, actual, ldc, accumulate);
                        Mnist.Engine.Kernels.Gemm.MultiplyParallel<float>(transA, transB, m, n, k, a, lda, b, ldb, parallel, ldc, accumulate);
                        // Sums of k products of values in [-1,1]: error scales with k, not with the (possibly cancelled) result.
                        var scales = Enumerable.Repeat((double)k + (accumulate ? 1 : 0), expected.Length).ToArray();
                        string label = $"gemm {m}x{n}x{k} transA={transA} transB={transB} accumulate={accumulate} ({Isa.Describe()})";
                        Tolerance.Float32.Reduction.AssertClose<float>(expected, actual, label, scales);
                        Tolerance.Float32.Exact.AssertClose<float>(actual, parallel, label + " parallel vs single-threaded");
                    }
    }

    [ParityCheck]
    public static void GemmDouble()
    {
        var (m, n, k) = (13, 33, 17);
        var a = TestData.Floats(m * k, 1).Select(v => (double)v).ToArray();
        var b = TestData.Floats(k * n, 2).Select(v => (double)v).ToArray();
        var expected = new double[m * n];
        var actual = new double[m * n];
        ReferenceGemm.Multiply<double>(false, false, m, n, k, a, k, b, n, expected, n, false);
        Mnist.Engine.Kernels.Gemm.Multiply<double>(false, false, m, n, k, a, k, b, n, actual, n, false);
        Tolerance.Float64.Reduction.AssertClose<double>(expected, actual, "gemm double");
    }
}
