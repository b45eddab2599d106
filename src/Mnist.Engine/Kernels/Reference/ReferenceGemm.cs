using System.Numerics;

namespace Mnist.Engine.Kernels.Reference;

/// <summary>
/// The naive matrix product: one dot product per output element, in k order. Never optimized:
/// it is the oracle the packed SIMD GEMM is tested against.
/// </summary>
public static class ReferenceGemm
{
    /// <summary>C = op(A)·op(B) (+ C when <paramref name="accumulate"/>), row-major; op(A) is [m,k], op(B) is [k,n].</summary>
    public static void Multiply<T>(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, Span<T> c, int ldc, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                T sum = T.Zero;
                for (int p = 0; p < k; p++)
                {
                    T av = transA ? a[p * lda + i] : a[i * lda + p];
                    T bv = transB ? b[j * ldb + p] : b[p * ldb + j];
                    sum += av * bv;
                }
                c[i * ldc + j] = accumulate ? c[i * ldc + j] + sum : sum;
            }
        }
    }
}
