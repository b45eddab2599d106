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

    /// <summary>Packs B [k,n] (row-major, leading dimension ldb) into NR-column panels over the full depth.</summary>
    public static void PackBFull(float* b, int ldb, int k, int n, float* packed) => PackB(b, ldb, false, 0, k, 0, n, GemmBlocking.NR, packed);

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
}
