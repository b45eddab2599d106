using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Mnist.Engine.Kernels.Common;

namespace Mnist.Engine.Kernels;

/// <summary>
/// General matrix multiply C = op(A)·op(B) (+ C), row-major, where op(A) is [m,k] and op(B) is [k,n]
/// (<c>transA</c>: A is stored [k,m]; <c>transB</c>: B is stored [n,k]).
/// </summary>
/// <remarks>
/// float runs a packed, register-blocked kernel in the BLIS style: B is packed into k-major panels
/// <see cref="GemmBlocking.NR"/> columns wide, A into panels <see cref="GemmBlocking.MR"/> rows tall, and
/// a micro-kernel keeps an MR×NR tile of C in vector registers (Vector512, Vector256 or Vector128,
/// whichever the machine accelerates, widest first). With no vector acceleration, and for double,
/// a plain i-k-j loop runs. <see cref="Reference.ReferenceGemm"/> is the oracle for all of them.
/// Results depend only on the shapes and the vector width, never on threading.
/// </remarks>
public static class Gemm
{
    /// <summary>C = op(A)·op(B), or C += op(A)·op(B) when <paramref name="accumulate"/>. Single-threaded.</summary>
    /// <exception cref="ArgumentException">A span is too short for its shape and leading dimension.</exception>
    public static void Multiply<T>(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, Span<T> c, int ldc, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            if (!accumulate) for (int i = 0; i < m; i++) c.Slice(i * ldc, n).Clear();
            return;
        }
        if (typeof(T) == typeof(float) && GemmFloat.IsVectorized)
        {
            GemmFloat.Multiply(transA, transB, m, n, k,
                MemoryMarshal.Cast<T, float>(a), lda, MemoryMarshal.Cast<T, float>(b), ldb,
                MemoryMarshal.Cast<T, float>(c), ldc, accumulate, 0, n);
        }
        else
        {
            ScalarLoops(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
        }
    }

    /// <summary>
    /// As <see cref="Multiply{T}"/>, with the columns of C split over <see cref="Parallelism.Degree"/> threads
    /// when the product is large enough to pay for it. Each element is computed by exactly one thread in the
    /// same order as the single-threaded call, so the result is identical.
    /// </summary>
    public static void MultiplyParallel<T>(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, Span<T> c, int ldc, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        long flops = 2L * m * n * k;
        int chunks = flops < 2_000_000 ? 1 : Parallelism.ChunkCount((n + GemmBlocking.NR - 1) / GemmBlocking.NR);
        if (chunks <= 1 || typeof(T) != typeof(float) || !GemmFloat.IsVectorized || k == 0)
        {
            Multiply(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
            return;
        }
        unsafe
        {
            fixed (T* pa = a, pb = b, pc = c)
            {
                // Spans cannot cross into the lambda; the fixed pointers stay valid until ForChunks returns.
                nint ia = (nint)pa, ib = (nint)pb, ic = (nint)pc;
                int alen = a.Length, blen = b.Length, clen = c.Length;
                int panels = (n + GemmBlocking.NR - 1) / GemmBlocking.NR;
                Parallelism.ForChunks(panels, (_, start, end) =>
                {
                    int j0 = start * GemmBlocking.NR, j1 = Math.Min(n, end * GemmBlocking.NR);
                    GemmFloat.Multiply(transA, transB, m, n, k,
                        new ReadOnlySpan<float>((float*)ia, alen), lda, new ReadOnlySpan<float>((float*)ib, blen), ldb,
                        new Span<float>((float*)ic, clen), ldc, accumulate, j0, j1);
                });
            }
        }
    }

    /// <summary>i-k-j loops: the path for double and for machines without vector acceleration.</summary>
    internal static void ScalarLoops<T>(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, Span<T> c, int ldc, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < m; i++)
        {
            Span<T> row = c.Slice(i * ldc, n);
            if (!accumulate) row.Clear();
            for (int p = 0; p < k; p++)
            {
                T av = transA ? a[p * lda + i] : a[i * lda + p];
                if (av == T.Zero) continue;
                if (transB)
                    for (int j = 0; j < n; j++) row[j] += av * b[j * ldb + p];
                else
                {
                    ReadOnlySpan<T> brow = b.Slice(p * ldb, n);
                    for (int j = 0; j < n; j++) row[j] += av * brow[j];
                }
            }
        }
    }

    internal static void Validate(bool transA, bool transB, int m, int n, int k,
        int aLength, int lda, int bLength, int ldb, int cLength, int ldc)
    {
        if (m < 0 || n < 0 || k < 0) throw new ArgumentException($"Negative GEMM size m={m} n={n} k={k}.");
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        Check("A", aRows, aCols, aLength, lda);
        Check("B", bRows, bCols, bLength, ldb);
        Check("C", m, n, cLength, ldc);

        static void Check(string name, int rows, int cols, int length, int ld)
        {
            if (rows == 0 || cols == 0) return;
            if (ld < cols) throw new ArgumentException($"GEMM {name}: leading dimension {ld} < {cols} columns.");
            long needed = (long)(rows - 1) * ld + cols;
            if (length < needed) throw new ArgumentException($"GEMM {name}: span of {length} elements is shorter than the {needed} a [{rows},{cols}] matrix with leading dimension {ld} needs.");
        }
    }
}

/// <summary>Register and cache blocking of the float GEMM for the vector width this process runs.</summary>
public static class GemmBlocking
{
    /// <summary>Rows of C per micro-tile.</summary>
    public const int MR = 6;

    /// <summary>Columns of C per micro-tile: two vectors.</summary>
    public static readonly int NR =
        Vector512.IsHardwareAccelerated ? 32 : Vector256.IsHardwareAccelerated ? 16 : 8;

    /// <summary>Depth of one packed block (A block MC×KC stays in L2, a B panel KC×NR in L1).</summary>
    public const int KC = 256;

    /// <summary>Rows of A per packed block (a multiple of MR).</summary>
    public const int MC = 120;
}
