using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Mnist.Engine.Kernels;

// The micro-kernel shape of GemmFloat.Kernels.cs with A read through six row pointers (unit stride along k)
// instead of an MR-interleaved packed panel: broadcasts load from any address, so a row-major block of A
// needs no packing. The depth runs over every NR-pixel panel of a packed im2col (rows panelStride apart), so the
// tile of C stays in registers for a whole sample. Used where A is a block of im2col columns already in memory (weight gradients).
internal static unsafe partial class GemmFloat
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void KernelRows512(int pixels, long panelStride, float** a, float* b, float* c, int ldc, bool accumulate)
    {
        float* a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3], a4 = a[4], a5 = a[5];
        Vector512<float> c00 = default, c01 = default;
        Vector512<float> c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default;
        Vector512<float> c50 = default, c51 = default;
        for (int done = 0; done < pixels; done += 32)
        {
            int kc = Math.Min(32, pixels - done);
            for (int p = 0; p < kc; p++)
            {
                Vector512<float> b0 = Vector512.Load(b), b1 = Vector512.Load(b + 16);
                Vector512<float> x0 = Vector512.Create(a0[p]);
                c00 = Vector512.FusedMultiplyAdd(x0, b0, c00); c01 = Vector512.FusedMultiplyAdd(x0, b1, c01);
                Vector512<float> x1 = Vector512.Create(a1[p]);
                c10 = Vector512.FusedMultiplyAdd(x1, b0, c10); c11 = Vector512.FusedMultiplyAdd(x1, b1, c11);
                Vector512<float> x2 = Vector512.Create(a2[p]);
                c20 = Vector512.FusedMultiplyAdd(x2, b0, c20); c21 = Vector512.FusedMultiplyAdd(x2, b1, c21);
                Vector512<float> x3 = Vector512.Create(a3[p]);
                c30 = Vector512.FusedMultiplyAdd(x3, b0, c30); c31 = Vector512.FusedMultiplyAdd(x3, b1, c31);
                Vector512<float> x4 = Vector512.Create(a4[p]);
                c40 = Vector512.FusedMultiplyAdd(x4, b0, c40); c41 = Vector512.FusedMultiplyAdd(x4, b1, c41);
                Vector512<float> x5 = Vector512.Create(a5[p]);
                c50 = Vector512.FusedMultiplyAdd(x5, b0, c50); c51 = Vector512.FusedMultiplyAdd(x5, b1, c51);
                b += 32;
            }
            a0 += panelStride; a1 += panelStride; a2 += panelStride; a3 += panelStride; a4 += panelStride; a5 += panelStride;
        }
        Store512(c + (long)0 * ldc, c00, c01, accumulate);
        Store512(c + (long)1 * ldc, c10, c11, accumulate);
        Store512(c + (long)2 * ldc, c20, c21, accumulate);
        Store512(c + (long)3 * ldc, c30, c31, accumulate);
        Store512(c + (long)4 * ldc, c40, c41, accumulate);
        Store512(c + (long)5 * ldc, c50, c51, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void KernelRows256(int pixels, long panelStride, float** a, float* b, float* c, int ldc, bool accumulate)
    {
        float* a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3], a4 = a[4], a5 = a[5];
        Vector256<float> c00 = default, c01 = default;
        Vector256<float> c10 = default, c11 = default;
        Vector256<float> c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default;
        Vector256<float> c40 = default, c41 = default;
        Vector256<float> c50 = default, c51 = default;
        for (int done = 0; done < pixels; done += 16)
        {
            int kc = Math.Min(16, pixels - done);
            for (int p = 0; p < kc; p++)
            {
                Vector256<float> b0 = Vector256.Load(b), b1 = Vector256.Load(b + 8);
                Vector256<float> x0 = Vector256.Create(a0[p]);
                c00 = Vector256.FusedMultiplyAdd(x0, b0, c00); c01 = Vector256.FusedMultiplyAdd(x0, b1, c01);
                Vector256<float> x1 = Vector256.Create(a1[p]);
                c10 = Vector256.FusedMultiplyAdd(x1, b0, c10); c11 = Vector256.FusedMultiplyAdd(x1, b1, c11);
                Vector256<float> x2 = Vector256.Create(a2[p]);
                c20 = Vector256.FusedMultiplyAdd(x2, b0, c20); c21 = Vector256.FusedMultiplyAdd(x2, b1, c21);
                Vector256<float> x3 = Vector256.Create(a3[p]);
                c30 = Vector256.FusedMultiplyAdd(x3, b0, c30); c31 = Vector256.FusedMultiplyAdd(x3, b1, c31);
                Vector256<float> x4 = Vector256.Create(a4[p]);
                c40 = Vector256.FusedMultiplyAdd(x4, b0, c40); c41 = Vector256.FusedMultiplyAdd(x4, b1, c41);
                Vector256<float> x5 = Vector256.Create(a5[p]);
                c50 = Vector256.FusedMultiplyAdd(x5, b0, c50); c51 = Vector256.FusedMultiplyAdd(x5, b1, c51);
                b += 16;
            }
            a0 += panelStride; a1 += panelStride; a2 += panelStride; a3 += panelStride; a4 += panelStride; a5 += panelStride;
        }
        Store256(c + (long)0 * ldc, c00, c01, accumulate);
        Store256(c + (long)1 * ldc, c10, c11, accumulate);
        Store256(c + (long)2 * ldc, c20, c21, accumulate);
        Store256(c + (long)3 * ldc, c30, c31, accumulate);
        Store256(c + (long)4 * ldc, c40, c41, accumulate);
        Store256(c + (long)5 * ldc, c50, c51, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void KernelRows128(int pixels, long panelStride, float** a, float* b, float* c, int ldc, bool accumulate)
    {
        float* a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3], a4 = a[4], a5 = a[5];
        Vector128<float> c00 = default, c01 = default;
        Vector128<float> c10 = default, c11 = default;
        Vector128<float> c20 = default, c21 = default;
        Vector128<float> c30 = default, c31 = default;
        Vector128<float> c40 = default, c41 = default;
        Vector128<float> c50 = default, c51 = default;
        for (int done = 0; done < pixels; done += 8)
        {
            int kc = Math.Min(8, pixels - done);
            for (int p = 0; p < kc; p++)
            {
                Vector128<float> b0 = Vector128.Load(b), b1 = Vector128.Load(b + 4);
                Vector128<float> x0 = Vector128.Create(a0[p]);
                c00 = Vector128.FusedMultiplyAdd(x0, b0, c00); c01 = Vector128.FusedMultiplyAdd(x0, b1, c01);
                Vector128<float> x1 = Vector128.Create(a1[p]);
                c10 = Vector128.FusedMultiplyAdd(x1, b0, c10); c11 = Vector128.FusedMultiplyAdd(x1, b1, c11);
                Vector128<float> x2 = Vector128.Create(a2[p]);
                c20 = Vector128.FusedMultiplyAdd(x2, b0, c20); c21 = Vector128.FusedMultiplyAdd(x2, b1, c21);
                Vector128<float> x3 = Vector128.Create(a3[p]);
                c30 = Vector128.FusedMultiplyAdd(x3, b0, c30); c31 = Vector128.FusedMultiplyAdd(x3, b1, c31);
                Vector128<float> x4 = Vector128.Create(a4[p]);
                c40 = Vector128.FusedMultiplyAdd(x4, b0, c40); c41 = Vector128.FusedMultiplyAdd(x4, b1, c41);
                Vector128<float> x5 = Vector128.Create(a5[p]);
                c50 = Vector128.FusedMultiplyAdd(x5, b0, c50); c51 = Vector128.FusedMultiplyAdd(x5, b1, c51);
                b += 8;
            }
            a0 += panelStride; a1 += panelStride; a2 += panelStride; a3 += panelStride; a4 += panelStride; a5 += panelStride;
        }
        Store128(c + (long)0 * ldc, c00, c01, accumulate);
        Store128(c + (long)1 * ldc, c10, c11, accumulate);
        Store128(c + (long)2 * ldc, c20, c21, accumulate);
        Store128(c + (long)3 * ldc, c30, c31, accumulate);
        Store128(c + (long)4 * ldc, c40, c41, accumulate);
        Store128(c + (long)5 * ldc, c50, c51, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MicroKernelRows(int pixels, long panelStride, float** a, float* b, float* c, int ldc, bool accumulate)
    {
        if (Vector512.IsHardwareAccelerated) KernelRows512(pixels, panelStride, a, b, c, ldc, accumulate);
        else if (Vector256.IsHardwareAccelerated) KernelRows256(pixels, panelStride, a, b, c, ldc, accumulate);
        else KernelRows128(pixels, panelStride, a, b, c, ldc, accumulate);
    }

    /// <summary>Length of <see cref="PackTransposedPanels"/>'s output for one [rows, pixels] matrix.</summary>
    public static int TransposedPanelsLength(int rows, int pixels) => (rows + GemmBlocking.NR - 1) / GemmBlocking.NR * pixels * GemmBlocking.NR;

    /// <summary>
    /// Packs m [rows, pixels] (row-major) transposed into NR-wide panels: panel ⌊o/NR⌋ holds, for every pixel x,
    /// the NR values m[o, x] contiguously (zero for rows past the end). The B operand of <see cref="WeightGradientRows"/>.
    /// </summary>
    public static void PackTransposedPanels(float* m, int rows, int pixels, float* dst)
    {
        int nr = GemmBlocking.NR;
        int panels = (rows + nr - 1) / nr;
        for (int cp = 0; cp < panels; cp++)
        {
            float* d = dst + (long)cp * pixels * nr;
            int valid = Math.Min(nr, rows - cp * nr);
            float* src = m + (long)cp * nr * pixels;
            // Pixel-major so the writes are sequential; the NR source rows are read as NR parallel streams.
            for (int x = 0; x < pixels; x++)
            {
                float* dx = d + (long)x * nr;
                int o = 0;
                for (; o < valid; o++) dx[o] = src[(long)o * pixels + x];
                for (; o < nr; o++) dx[o] = 0f;
            }
        }
    }

    /// <summary>
    /// Rows [p0, p1) of dwᵀ [patch, Cout] (+)= Σ_s Σ_pixel col_s[patch, pixel]·dy_s[o, pixel]: a convolution's weight
    /// gradient, transposed. col_s is the forward pass's im2col in packed-B layout (panels of NR pixels, each
    /// [patch, NR] row-major; sample stride colStride); dyT_s is dy_s packed by <see cref="PackTransposedPanels"/>
    /// (sample stride dyTStride). Each (patch tile, channel panel) runs the row-pointer micro-kernel once per sample
    /// over every pixel panel, its tile of dwᵀ in registers throughout; every sum has a fixed order whatever thread
    /// computes it, and a row's sums do not depend on which rows share its tile.
    /// </summary>
    public static void WeightGradientRows(int p0, int p1, int patch, int cout, int pixels, int batch,
        float* col, long colStride, float* dyT, long dyTStride, float* dwT, int ldc, bool accumulate)
    {
        int nr = GemmBlocking.NR;
        int coutPanels = (cout + nr - 1) / nr;
        long panelStride = (long)patch * nr;
        float* tile = stackalloc float[MR * 32];
        float** rows = stackalloc float*[MR];
        for (int s = 0; s < batch; s++)
        {
            float* pk = dyT + s * dyTStride;
            float* cols = col + s * colStride;
            bool acc = accumulate || s > 0;
            for (int i = p0; i < p1; i += MR)
            {
                int mrows = Math.Min(MR, p1 - i);
                // Rows past p1 repeat row i; their results land in the edge tile and are dropped.
                for (int r = 0; r < MR; r++) rows[r] = cols + (long)(i + (r < mrows ? r : 0)) * nr;
                for (int cp = 0; cp < coutPanels; cp++)
                {
                    float* bp = pk + (long)cp * pixels * nr;
                    float* cp0 = dwT + (long)i * ldc + cp * nr;
                    int ncols = Math.Min(nr, cout - cp * nr);
                    if (mrows == MR && ncols == nr)
                    {
                        MicroKernelRows(pixels, panelStride, rows, bp, cp0, ldc, acc);
                        continue;
                    }
                    MicroKernelRows(pixels, panelStride, rows, bp, tile, nr, false);
                    for (int r = 0; r < mrows; r++)
                    {
                        float* crow = cp0 + (long)r * ldc;
                        float* trow = tile + r * nr;
                        if (acc) for (int q = 0; q < ncols; q++) crow[q] += trow[q];
                        else for (int q = 0; q < ncols; q++) crow[q] = trow[q];
                    }
                }
            }
        }
    }
}
