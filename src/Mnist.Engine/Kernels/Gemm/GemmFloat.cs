using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Mnist.Engine.Kernels;

/// <summary>The packed float GEMM behind <see cref="Gemm"/>: blocking loops and packing.</summary>
internal static unsafe partial class GemmFloat
{
    private const int MR = GemmBlocking.MR;
    private const int KC = GemmBlocking.KC;
    private const int MC = GemmBlocking.MC;
    // Columns of B packed at once; bounds the B buffer to KC·NC floats (4 MB) whatever n is.
    private const int NC = 4096;
    // Depths [min, max) at which A·Bᵀ with at least MR rows runs packed rather than as dot products.
    private const int DeepTransBMin = 1024, DeepTransBMax = 4096;

    [ThreadStatic] private static float[]? t_packA;
    [ThreadStatic] private static float[]? t_packB;

    public static bool IsVectorized => Vector128.IsHardwareAccelerated;

    /// <summary>Computes columns [j0, j1) of C = op(A)·op(B) (+C). Validation is the caller's.</summary>
    public static void Multiply(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc,
        bool accumulate, int j0, int j1)
    {
        _ = n;
        // A·Bᵀ by dot products, except products of depth 1024–4095 with several rows (lenet fc1 forward, 128×1600 by
        // 128×1600ᵀ: 0.61–0.68 ms packed against 1.08–1.44 ms in the training profile). Deeper ones stay on the dot
        // products: seed fc1 (32×9216 by 128×9216ᵀ) measured 1.43–2.01 ms packed against 1.25–1.61 ms.
        if (transB && !transA && Vector256.IsHardwareAccelerated && (k < DeepTransBMin || k >= DeepTransBMax || m < MR))
        {
            fixed (float* da = a, db = b, dc = c) MultiplyTransB(m, k, da, lda, a.Length, db, ldb, b.Length, dc, ldc, accumulate, j0, j1);
            return;
        }
        MultiplyBlocked(transA, transB, m, k, a, lda, b, ldb, c, ldc, accumulate, j0, j1);
    }

    /// <summary>
    /// As <see cref="Multiply"/>, always packed and cache-blocked, also for A·Bᵀ: for deep products (k in the
    /// thousands) whose rows no longer fit L1 the dot-product kernels stall on L2, while packing costs O(k·(m+n)).
    /// </summary>
    public static void MultiplyBlocked(bool transA, bool transB, int m, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc,
        bool accumulate, int j0, int j1)
    {
        int nr = GemmBlocking.NR;
        var packA = t_packA ??= new float[MC * KC];
        int bCols = Math.Min(NC, RoundUp(j1 - j0, nr));
        if (t_packB is null || t_packB.Length < KC * bCols) t_packB = new float[KC * Math.Max(bCols, 4 * nr)];
        var packB = t_packB;
        float* tile = stackalloc float[MR * 32];

        fixed (float* pa = a, pb = b, pc = c, pA = packA, pB = packB)
        {
            for (int jc = j0; jc < j1; jc += NC)
            {
                int nc = Math.Min(NC, j1 - jc);
                for (int pcol = 0; pcol < k; pcol += KC)
                {
                    int kc = Math.Min(KC, k - pcol);
                    // Later k-blocks add onto what the earlier ones wrote.
                    bool acc = accumulate || pcol > 0;
                    PackB(pb, ldb, transB, pcol, kc, jc, nc, nr, pB);
                    for (int ic = 0; ic < m; ic += MC)
                    {
                        int mc = Math.Min(MC, m - ic);
                        PackA(pa, lda, transA, ic, mc, pcol, kc, pA);
                        for (int jr = 0; jr < nc; jr += nr)
                        {
                            int ncols = Math.Min(nr, nc - jr);
                            float* bp = pB + jr * kc;
                            for (int ir = 0; ir < mc; ir += MR)
                            {
                                int mrows = Math.Min(MR, mc - ir);
                                float* ap = pA + ir * kc;
                                float* cp = pc + (long)(ic + ir) * ldc + jc + jr;
                                if (mrows == MR && ncols == nr)
                                {
                                    MicroKernel(kc, ap, bp, cp, ldc, acc);
                                }
                                else
                                {
                                    // Edge tile: compute the full padded tile aside, then merge the valid part.
                                    MicroKernel(kc, ap, bp, tile, nr, false);
                                    for (int r = 0; r < mrows; r++)
                                    {
                                        float* crow = cp + (long)r * ldc;
                                        float* trow = tile + r * nr;
                                        if (acc) for (int j = 0; j < ncols; j++) crow[j] += trow[j];
                                        else for (int j = 0; j < ncols; j++) crow[j] = trow[j];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MicroKernel(int kc, float* ap, float* bp, float* c, int ldc, bool accumulate)
    {
        if (Vector512.IsHardwareAccelerated) Kernel512(kc, ap, bp, c, ldc, accumulate);
        else if (Vector256.IsHardwareAccelerated) Kernel256(kc, ap, bp, c, ldc, accumulate);
        else Kernel128(kc, ap, bp, c, ldc, accumulate);
    }

    /// <summary>Packs rows [ic, ic+mc) × depth [pc, pc+kc) of op(A) into MR-row panels, k-major, zero-padded.</summary>
    private static void PackA(float* a, int lda, bool transA, int ic, int mc, int pc, int kc, float* dst)
    {
        for (int ir = 0; ir < mc; ir += MR)
        {
            int rows = Math.Min(MR, mc - ir);
            float* panel = dst + ir * kc;
            if (transA)
            {
                // op(A)(i,p) = a[p*lda + i]: MR consecutive floats per depth step.
                for (int p = 0; p < kc; p++)
                {
                    float* src = a + (long)(pc + p) * lda + ic + ir;
                    float* d = panel + p * MR;
                    int r = 0;
                    for (; r < rows; r++) d[r] = src[r];
                    for (; r < MR; r++) d[r] = 0f;
                }
            }
            else
            {
                for (int r = 0; r < MR; r++)
                {
                    float* d = panel + r;
                    if (r < rows)
                    {
                        float* src = a + (long)(ic + ir + r) * lda + pc;
                        for (int p = 0; p < kc; p++) d[p * MR] = src[p];
                    }
                    else
                    {
                        for (int p = 0; p < kc; p++) d[p * MR] = 0f;
                    }
                }
            }
        }
    }

    /// <summary>Packs depth [pc, pc+kc) × columns [jc, jc+nc) of op(B) into NR-column panels, k-major, zero-padded.</summary>
    private static void PackB(float* b, int ldb, bool transB, int pc, int kc, int jc, int nc, int nr, float* dst)
    {
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            float* panel = dst + jr * kc;
            if (!transB)
            {
                for (int p = 0; p < kc; p++)
                {
                    float* src = b + (long)(pc + p) * ldb + jc + jr;
                    float* d = panel + p * nr;
                    if (cols == nr)
                    {
                        Buffer.MemoryCopy(src, d, nr * sizeof(float), nr * sizeof(float));
                    }
                    else
                    {
                        int j = 0;
                        for (; j < cols; j++) d[j] = src[j];
                        for (; j < nr; j++) d[j] = 0f;
                    }
                }
            }
            else
            {
                // op(B)(p,j) = b[j*ldb + p]: read each stored row contiguously, write with stride NR.
                for (int j = 0; j < nr; j++)
                {
                    float* d = panel + j;
                    if (j < cols)
                    {
                        float* src = b + (long)(jc + jr + j) * ldb + pc;
                        for (int p = 0; p < kc; p++) d[p * nr] = src[p];
                    }
                    else
                    {
                        for (int p = 0; p < kc; p++) d[p * nr] = 0f;
                    }
                }
            }
        }
    }

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;
}
