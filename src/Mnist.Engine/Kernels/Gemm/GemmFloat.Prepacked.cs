using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Mnist.Engine.Kernels;

// Pre-packed operands for products that reuse one side many times (a convolution's weights for every
// sample) or whose packed form can be produced directly (im2col written straight into B panels).
// Layouts cover the full depth k in one piece, so any KC block of a panel is a contiguous sub-range:
//   packed A [m,k]: panel ⌊i/MR⌋ at ⌊i/MR⌋·k·MR, element (i,p) at +p·MR + i mod MR, rows past m zero;
//   packed B [k,n]: panel ⌊j/NR⌋ at ⌊j/NR⌋·k·NR, element (p,j) at +p·NR + j mod NR, columns past n zero.
internal static unsafe partial class GemmFloat
{
    public static int PackedALength(int m, int k) => RoundUp(m, MR) * k;

    public static int PackedBLength(int k, int n) => k * RoundUp(n, GemmBlocking.NR);

    /// <summary>Packs A [m,k] (row-major, leading dimension lda; transposed when <paramref name="transA"/>) into MR-row panels.</summary>
    public static void PackAFull(ReadOnlySpan<float> a, int lda, bool transA, int m, int k, Span<float> packed)
    {
        fixed (float* pa = a, dst = packed)
        {
            for (int ir = 0; ir < m; ir += MR)
            {
                int rows = Math.Min(MR, m - ir);
                float* panel = dst + (long)ir * k;
                for (int p = 0; p < k; p++)
                {
                    float* d = panel + p * MR;
                    int r = 0;
                    for (; r < rows; r++) d[r] = transA ? pa[(long)p * lda + ir + r] : pa[(long)(ir + r) * lda + p];
                    for (; r < MR; r++) d[r] = 0f;
                }
            }
        }
    }

    /// <summary>
    /// C[m,n] (+)= A·B from packed operands, for B panels [panel0, panel1). Blocks of depth KC keep the
    /// B panel block in L1 while every A panel passes over it.
    /// </summary>
    public static void MultiplyPrepacked(int m, int n, int k, float* packedA, float* packedB, float* c, int ldc, bool accumulate, int panel0, int panel1)
    {
        int nr = GemmBlocking.NR;
        float* tile = stackalloc float[MR * 32];
        for (int k0 = 0; k0 < k; k0 += KC)
        {
            int kc = Math.Min(KC, k - k0);
            bool acc = accumulate || k0 > 0;
            for (int jp = panel0; jp < panel1; jp++)
            {
                int j = jp * nr;
                int ncols = Math.Min(nr, n - j);
                float* bp = packedB + (long)jp * k * nr + (long)k0 * nr;
                for (int i = 0; i < m; i += MR)
                {
                    int mrows = Math.Min(MR, m - i);
                    float* ap = packedA + (long)i * k + (long)k0 * MR;
                    float* cp = c + (long)i * ldc + j;
                    if (mrows == MR && ncols == nr)
                    {
                        MicroKernel(kc, ap, bp, cp, ldc, acc);
                        continue;
                    }
                    MicroKernel(kc, ap, bp, tile, nr, false);
                    for (int r = 0; r < mrows; r++)
                    {
                        float* crow = cp + (long)r * ldc;
                        float* trow = tile + r * nr;
                        if (acc) for (int q = 0; q < ncols; q++) crow[q] += trow[q];
                        else for (int q = 0; q < ncols; q++) crow[q] = trow[q];
                    }
                }
            }
        }
    }

    /// <summary>
    /// Rows [i0, i1) of C[m,n] (+)= Σ_s A_s·colᵀ_s, where A_s [m, pixels] is row-major (leading dimension lda,
    /// sample stride aStride) and col_s [n, pixels] is stored in packed-B layout as a [depth n, columns pixels] matrix
    /// (sample stride bStride). This is a convolution's weight gradient, dw[o, patch] = Σ_s Σ_pixel dy[o, pixel]·col[patch, pixel],
    /// read straight from the packed im2col of the forward pass. Every element of C is one dot product in a fixed order.
    /// <paramref name="aEnd"/> bounds the readable memory after a.
    /// </summary>
    public static void MultiplyPackedTransB(int i0, int i1, int n, int pixels, int batch, float* a, long aStride, int lda, float* aEnd,
        float* packedB, long bStride, float* c, int ldc, bool accumulate)
    {
        // As in MultiplyTransBBatched: chunks of samples sized to stay in L2, partial sums added in chunk order.
        long bytesPerSample = 4L * pixels * ((i1 - i0) + n);
        int chunk = (int)Math.Clamp(L2Budget / Math.Max(1, bytesPerSample), 1, Math.Max(1, batch));
        for (int s0 = 0; s0 < batch; s0 += chunk)
        {
            PackedTransBChunk(i0, i1, n, pixels, Math.Min(chunk, batch - s0), a + s0 * aStride, aStride, lda, aEnd,
                packedB + s0 * bStride, bStride, c, ldc, accumulate || s0 > 0);
        }
    }

    private static void PackedTransBChunk(int i0, int i1, int n, int pixels, int batch, float* a, long aStride, int lda, float* aEnd,
        float* packedB, long bStride, float* c, int ldc, bool accumulate)
    {
        float* sums = stackalloc float[16];
        for (int i = i0; i < i1; i += 4)
        {
            int rows = Math.Min(4, i1 - i);
            for (int j = 0; j < n; j += 4)
            {
                int cols = Math.Min(4, n - j);
                for (int q = 0; q < 16; q++) sums[q] = 0f;
                for (int s = 0; s < batch; s++)
                {
                    float* arow = a + s * aStride + (long)i * lda;
                    float* bcol = packedB + s * bStride + (long)j * GemmBlocking.NR;
                    if (rows == 4 && cols == 4 && Vector512.IsHardwareAccelerated) PanelDots4x4V512(arow, lda, aEnd, bcol, n, pixels, sums);
                    else if (rows == 4 && cols == 4 && Vector256.IsHardwareAccelerated) PanelDots4x4V256(arow, lda, aEnd, bcol, n, pixels, sums);
                    else PanelDotsScalar(arow, lda, rows, bcol, n, cols, pixels, sums);
                }
                for (int r = 0; r < rows; r++)
                {
                    float* crow = c + (long)(i + r) * ldc + j;
                    for (int q = 0; q < cols; q++) crow[q] = accumulate ? crow[q] + sums[r * 4 + q] : sums[r * 4 + q];
                }
            }
        }
    }

    // Column q of the packed matrix (depth row j+q) lies at b + P·depth·NR + q·NR for pixel panel P, zero past `pixels`.
    private static void PanelDotsScalar(float* a, int lda, int rows, float* b, int depth, int cols, int pixels, float* sums)
    {
        int nr = GemmBlocking.NR;
        for (int r = 0; r < rows; r++)
            for (int q = 0; q < cols; q++)
            {
                float s = 0f;
                for (int x = 0; x < pixels; x++) s += a[(long)r * lda + x] * b[(long)(x / nr) * depth * nr + q * nr + x % nr];
                sums[r * 4 + q] += s;
            }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PanelDots4x4V512(float* a, int lda, float* aEnd, float* b, int depth, int pixels, float* sums)
    {
        int nr = GemmBlocking.NR;
        long panelStride = (long)depth * nr;
        float* a0 = a, a1 = a + lda, a2 = a1 + lda, a3 = a2 + lda;
        float* tail = stackalloc float[4 * 16];
        Vector512<float> s00 = default, s01 = default, s02 = default, s03 = default, s10 = default, s11 = default, s12 = default, s13 = default, s20 = default, s21 = default, s22 = default, s23 = default, s30 = default, s31 = default, s32 = default, s33 = default;
        Vector512<float> va;
        for (int x0 = 0; x0 < pixels; x0 += nr)
        {
            float* bp = b + (x0 / nr) * panelStride;
            int width = Math.Min(nr, pixels - x0);
            for (int o = 0; o < width; o += 16)
            {
                int valid = width - o;
                if (valid >= 16)
                {
                    var vb0 = Vector512.Load(bp + o); var vb1 = Vector512.Load(bp + nr + o); var vb2 = Vector512.Load(bp + 2 * nr + o); var vb3 = Vector512.Load(bp + 3 * nr + o);
                    va = Vector512.Load(a0 + x0 + o);
                    s00 = Vector512.FusedMultiplyAdd(va, vb0, s00); s01 = Vector512.FusedMultiplyAdd(va, vb1, s01); s02 = Vector512.FusedMultiplyAdd(va, vb2, s02); s03 = Vector512.FusedMultiplyAdd(va, vb3, s03);
                    va = Vector512.Load(a1 + x0 + o);
                    s10 = Vector512.FusedMultiplyAdd(va, vb0, s10); s11 = Vector512.FusedMultiplyAdd(va, vb1, s11); s12 = Vector512.FusedMultiplyAdd(va, vb2, s12); s13 = Vector512.FusedMultiplyAdd(va, vb3, s13);
                    va = Vector512.Load(a2 + x0 + o);
                    s20 = Vector512.FusedMultiplyAdd(va, vb0, s20); s21 = Vector512.FusedMultiplyAdd(va, vb1, s21); s22 = Vector512.FusedMultiplyAdd(va, vb2, s22); s23 = Vector512.FusedMultiplyAdd(va, vb3, s23);
                    va = Vector512.Load(a3 + x0 + o);
                    s30 = Vector512.FusedMultiplyAdd(va, vb0, s30); s31 = Vector512.FusedMultiplyAdd(va, vb1, s31); s32 = Vector512.FusedMultiplyAdd(va, vb2, s32); s33 = Vector512.FusedMultiplyAdd(va, vb3, s33);
                }
                else if (a3 + x0 + o + 16 <= aEnd)
                {
                    // Past `pixels` the packed B is zero; A is masked to zero too, so stray finite or not values cannot leak in.
                    var mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(valid)).AsSingle();
                    var vb0 = Vector512.Load(bp + o); var vb1 = Vector512.Load(bp + nr + o); var vb2 = Vector512.Load(bp + 2 * nr + o); var vb3 = Vector512.Load(bp + 3 * nr + o);
                    va = Vector512.Load(a0 + x0 + o) & mask;
                    s00 = Vector512.FusedMultiplyAdd(va, vb0, s00); s01 = Vector512.FusedMultiplyAdd(va, vb1, s01); s02 = Vector512.FusedMultiplyAdd(va, vb2, s02); s03 = Vector512.FusedMultiplyAdd(va, vb3, s03);
                    va = Vector512.Load(a1 + x0 + o) & mask;
                    s10 = Vector512.FusedMultiplyAdd(va, vb0, s10); s11 = Vector512.FusedMultiplyAdd(va, vb1, s11); s12 = Vector512.FusedMultiplyAdd(va, vb2, s12); s13 = Vector512.FusedMultiplyAdd(va, vb3, s13);
                    va = Vector512.Load(a2 + x0 + o) & mask;
                    s20 = Vector512.FusedMultiplyAdd(va, vb0, s20); s21 = Vector512.FusedMultiplyAdd(va, vb1, s21); s22 = Vector512.FusedMultiplyAdd(va, vb2, s22); s23 = Vector512.FusedMultiplyAdd(va, vb3, s23);
                    va = Vector512.Load(a3 + x0 + o) & mask;
                    s30 = Vector512.FusedMultiplyAdd(va, vb0, s30); s31 = Vector512.FusedMultiplyAdd(va, vb1, s31); s32 = Vector512.FusedMultiplyAdd(va, vb2, s32); s33 = Vector512.FusedMultiplyAdd(va, vb3, s33);
                }
                else
                {
                    for (int r = 0; r < 4; r++)
                        for (int t = 0; t < 16; t++) tail[r * 16 + t] = t < valid ? a[(long)r * lda + x0 + o + t] : 0f;
                    var vb0 = Vector512.Load(bp + o); var vb1 = Vector512.Load(bp + nr + o); var vb2 = Vector512.Load(bp + 2 * nr + o); var vb3 = Vector512.Load(bp + 3 * nr + o);
                    va = Vector512.Load(tail + 0 * 16);
                    s00 = Vector512.FusedMultiplyAdd(va, vb0, s00); s01 = Vector512.FusedMultiplyAdd(va, vb1, s01); s02 = Vector512.FusedMultiplyAdd(va, vb2, s02); s03 = Vector512.FusedMultiplyAdd(va, vb3, s03);
                    va = Vector512.Load(tail + 1 * 16);
                    s10 = Vector512.FusedMultiplyAdd(va, vb0, s10); s11 = Vector512.FusedMultiplyAdd(va, vb1, s11); s12 = Vector512.FusedMultiplyAdd(va, vb2, s12); s13 = Vector512.FusedMultiplyAdd(va, vb3, s13);
                    va = Vector512.Load(tail + 2 * 16);
                    s20 = Vector512.FusedMultiplyAdd(va, vb0, s20); s21 = Vector512.FusedMultiplyAdd(va, vb1, s21); s22 = Vector512.FusedMultiplyAdd(va, vb2, s22); s23 = Vector512.FusedMultiplyAdd(va, vb3, s23);
                    va = Vector512.Load(tail + 3 * 16);
                    s30 = Vector512.FusedMultiplyAdd(va, vb0, s30); s31 = Vector512.FusedMultiplyAdd(va, vb1, s31); s32 = Vector512.FusedMultiplyAdd(va, vb2, s32); s33 = Vector512.FusedMultiplyAdd(va, vb3, s33);
                }
            }
        }
        sums[0] += Vector512.Sum(s00);
        sums[1] += Vector512.Sum(s01);
        sums[2] += Vector512.Sum(s02);
        sums[3] += Vector512.Sum(s03);
        sums[4] += Vector512.Sum(s10);
        sums[5] += Vector512.Sum(s11);
        sums[6] += Vector512.Sum(s12);
        sums[7] += Vector512.Sum(s13);
        sums[8] += Vector512.Sum(s20);
        sums[9] += Vector512.Sum(s21);
        sums[10] += Vector512.Sum(s22);
        sums[11] += Vector512.Sum(s23);
        sums[12] += Vector512.Sum(s30);
        sums[13] += Vector512.Sum(s31);
        sums[14] += Vector512.Sum(s32);
        sums[15] += Vector512.Sum(s33);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PanelDots4x4V256(float* a, int lda, float* aEnd, float* b, int depth, int pixels, float* sums)
    {
        int nr = GemmBlocking.NR;
        long panelStride = (long)depth * nr;
        float* a0 = a, a1 = a + lda, a2 = a1 + lda, a3 = a2 + lda;
        float* tail = stackalloc float[4 * 8];
        Vector256<float> s00 = default, s01 = default, s02 = default, s03 = default, s10 = default, s11 = default, s12 = default, s13 = default, s20 = default, s21 = default, s22 = default, s23 = default, s30 = default, s31 = default, s32 = default, s33 = default;
        Vector256<float> va;
        for (int x0 = 0; x0 < pixels; x0 += nr)
        {
            float* bp = b + (x0 / nr) * panelStride;
            int width = Math.Min(nr, pixels - x0);
            for (int o = 0; o < width; o += 8)
            {
                int valid = width - o;
                if (valid >= 8)
                {
                    var vb0 = Vector256.Load(bp + o); var vb1 = Vector256.Load(bp + nr + o); var vb2 = Vector256.Load(bp + 2 * nr + o); var vb3 = Vector256.Load(bp + 3 * nr + o);
                    va = Vector256.Load(a0 + x0 + o);
                    s00 = Vector256.FusedMultiplyAdd(va, vb0, s00); s01 = Vector256.FusedMultiplyAdd(va, vb1, s01); s02 = Vector256.FusedMultiplyAdd(va, vb2, s02); s03 = Vector256.FusedMultiplyAdd(va, vb3, s03);
                    va = Vector256.Load(a1 + x0 + o);
                    s10 = Vector256.FusedMultiplyAdd(va, vb0, s10); s11 = Vector256.FusedMultiplyAdd(va, vb1, s11); s12 = Vector256.FusedMultiplyAdd(va, vb2, s12); s13 = Vector256.FusedMultiplyAdd(va, vb3, s13);
                    va = Vector256.Load(a2 + x0 + o);
                    s20 = Vector256.FusedMultiplyAdd(va, vb0, s20); s21 = Vector256.FusedMultiplyAdd(va, vb1, s21); s22 = Vector256.FusedMultiplyAdd(va, vb2, s22); s23 = Vector256.FusedMultiplyAdd(va, vb3, s23);
                    va = Vector256.Load(a3 + x0 + o);
                    s30 = Vector256.FusedMultiplyAdd(va, vb0, s30); s31 = Vector256.FusedMultiplyAdd(va, vb1, s31); s32 = Vector256.FusedMultiplyAdd(va, vb2, s32); s33 = Vector256.FusedMultiplyAdd(va, vb3, s33);
                }
                else if (a3 + x0 + o + 8 <= aEnd)
                {
                    // Past `pixels` the packed B is zero; A is masked to zero too, so stray finite or not values cannot leak in.
                    var mask = Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(valid)).AsSingle();
                    var vb0 = Vector256.Load(bp + o); var vb1 = Vector256.Load(bp + nr + o); var vb2 = Vector256.Load(bp + 2 * nr + o); var vb3 = Vector256.Load(bp + 3 * nr + o);
                    va = Vector256.Load(a0 + x0 + o) & mask;
                    s00 = Vector256.FusedMultiplyAdd(va, vb0, s00); s01 = Vector256.FusedMultiplyAdd(va, vb1, s01); s02 = Vector256.FusedMultiplyAdd(va, vb2, s02); s03 = Vector256.FusedMultiplyAdd(va, vb3, s03);
                    va = Vector256.Load(a1 + x0 + o) & mask;
                    s10 = Vector256.FusedMultiplyAdd(va, vb0, s10); s11 = Vector256.FusedMultiplyAdd(va, vb1, s11); s12 = Vector256.FusedMultiplyAdd(va, vb2, s12); s13 = Vector256.FusedMultiplyAdd(va, vb3, s13);
                    va = Vector256.Load(a2 + x0 + o) & mask;
                    s20 = Vector256.FusedMultiplyAdd(va, vb0, s20); s21 = Vector256.FusedMultiplyAdd(va, vb1, s21); s22 = Vector256.FusedMultiplyAdd(va, vb2, s22); s23 = Vector256.FusedMultiplyAdd(va, vb3, s23);
                    va = Vector256.Load(a3 + x0 + o) & mask;
                    s30 = Vector256.FusedMultiplyAdd(va, vb0, s30); s31 = Vector256.FusedMultiplyAdd(va, vb1, s31); s32 = Vector256.FusedMultiplyAdd(va, vb2, s32); s33 = Vector256.FusedMultiplyAdd(va, vb3, s33);
                }
                else
                {
                    for (int r = 0; r < 4; r++)
                        for (int t = 0; t < 8; t++) tail[r * 8 + t] = t < valid ? a[(long)r * lda + x0 + o + t] : 0f;
                    var vb0 = Vector256.Load(bp + o); var vb1 = Vector256.Load(bp + nr + o); var vb2 = Vector256.Load(bp + 2 * nr + o); var vb3 = Vector256.Load(bp + 3 * nr + o);
                    va = Vector256.Load(tail + 0 * 8);
                    s00 = Vector256.FusedMultiplyAdd(va, vb0, s00); s01 = Vector256.FusedMultiplyAdd(va, vb1, s01); s02 = Vector256.FusedMultiplyAdd(va, vb2, s02); s03 = Vector256.FusedMultiplyAdd(va, vb3, s03);
                    va = Vector256.Load(tail + 1 * 8);
                    s10 = Vector256.FusedMultiplyAdd(va, vb0, s10); s11 = Vector256.FusedMultiplyAdd(va, vb1, s11); s12 = Vector256.FusedMultiplyAdd(va, vb2, s12); s13 = Vector256.FusedMultiplyAdd(va, vb3, s13);
                    va = Vector256.Load(tail + 2 * 8);
                    s20 = Vector256.FusedMultiplyAdd(va, vb0, s20); s21 = Vector256.FusedMultiplyAdd(va, vb1, s21); s22 = Vector256.FusedMultiplyAdd(va, vb2, s22); s23 = Vector256.FusedMultiplyAdd(va, vb3, s23);
                    va = Vector256.Load(tail + 3 * 8);
                    s30 = Vector256.FusedMultiplyAdd(va, vb0, s30); s31 = Vector256.FusedMultiplyAdd(va, vb1, s31); s32 = Vector256.FusedMultiplyAdd(va, vb2, s32); s33 = Vector256.FusedMultiplyAdd(va, vb3, s33);
                }
            }
        }
        sums[0] += Vector256.Sum(s00);
        sums[1] += Vector256.Sum(s01);
        sums[2] += Vector256.Sum(s02);
        sums[3] += Vector256.Sum(s03);
        sums[4] += Vector256.Sum(s10);
        sums[5] += Vector256.Sum(s11);
        sums[6] += Vector256.Sum(s12);
        sums[7] += Vector256.Sum(s13);
        sums[8] += Vector256.Sum(s20);
        sums[9] += Vector256.Sum(s21);
        sums[10] += Vector256.Sum(s22);
        sums[11] += Vector256.Sum(s23);
        sums[12] += Vector256.Sum(s30);
        sums[13] += Vector256.Sum(s31);
        sums[14] += Vector256.Sum(s32);
        sums[15] += Vector256.Sum(s33);
    }
}
