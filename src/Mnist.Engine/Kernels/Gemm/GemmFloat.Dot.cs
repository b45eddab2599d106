using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Mnist.Engine.Kernels;

// C = A·Bᵀ with both A [m,k] and B [n,k] stored row-major: every C element is a dot product of two
// contiguous rows, so no packing is needed. A 4×4 block of C keeps 16 vector accumulators along k,
// each loaded A or B vector feeding four FMAs; horizontal sums happen once per block.
// This is the shape of Linear's forward pass (x·Wᵀ), where packing B (the weights) would cost as much
// memory traffic as the multiply itself. The kernels can also sum over a batch of matrix pairs (stride > 0).
internal static unsafe partial class GemmFloat
{
    public static void MultiplyTransB(int m, int k, float* a, int lda, long aLength, float* b, int ldb, long bLength, float* c, int ldc, bool accumulate, int j0, int j1) =>
        DotBlocks(0, m, k, 1, a, 0, lda, a + aLength, b, 0, ldb, b + bLength, c, ldc, accumulate, j0, j1);

    private static void DotBlocks(int i0, int i1, int k, int batch, float* a, long aStride, int lda, float* aEnd,
        float* b, long bStride, int ldb, float* bEnd, float* c, int ldc, bool accumulate, int j0, int j1)
    {
        // More rows of B than of A (Linear's forward pass: a batch against the weights): B blocks outermost, so each row
        // of B streams from memory once while A's rows stay in cache. The blocks and each element's sum are the same in
        // either order.
        if (i1 - i0 >= 4 && j1 - j0 > i1 - i0)
        {
            int j = j0;
            for (; j + 4 <= j1; j += 4)
            {
                int ib = i0;
                for (; ib + 4 <= i1; ib += 4)
                    Dot4x4(k, batch, a + (long)ib * lda, aStride, lda, aEnd, b + (long)j * ldb, bStride, ldb, bEnd, c + (long)ib * ldc + j, ldc, accumulate);
            }
            int iFull = i0 + (i1 - i0) / 4 * 4;
            for (; j < j1; j++)
                for (int ib = i0; ib < iFull; ib++)
                    Dot1x1(k, batch, a + (long)ib * lda, aStride, b + (long)j * ldb, bStride, c + (long)ib * ldc + j, accumulate);
            for (int ib = iFull; ib < i1; ib++)
                for (int jj = j0; jj < j1; jj++) Dot1x1(k, batch, a + (long)ib * lda, aStride, b + (long)jj * ldb, bStride, c + (long)ib * ldc + jj, accumulate);
            return;
        }
        int i = i0;
        for (; i + 4 <= i1; i += 4)
        {
            int j = j0;
            for (; j + 4 <= j1; j += 4)
                Dot4x4(k, batch, a + (long)i * lda, aStride, lda, aEnd, b + (long)j * ldb, bStride, ldb, bEnd, c + (long)i * ldc + j, ldc, accumulate);
            for (; j < j1; j++)
                for (int r = 0; r < 4; r++) Dot1x1(k, batch, a + (long)(i + r) * lda, aStride, b + (long)j * ldb, bStride, c + (long)(i + r) * ldc + j, accumulate);
        }
        for (; i < i1; i++)
            for (int j = j0; j < j1; j++) Dot1x1(k, batch, a + (long)i * lda, aStride, b + (long)j * ldb, bStride, c + (long)i * ldc + j, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot4x4(int k, int batch, float* a, long aStride, int lda, float* aEnd, float* b, long bStride, int ldb, float* bEnd,
        float* c, int ldc, bool accumulate)
    {
        float* sums = stackalloc float[16];
        if (Vector512.IsHardwareAccelerated) Dot4x4V512(k, batch, a, aStride, lda, aEnd, b, bStride, ldb, bEnd, sums);
        else if (Vector256.IsHardwareAccelerated) Dot4x4V256(k, batch, a, aStride, lda, aEnd, b, bStride, ldb, bEnd, sums);
        else
        {
            for (int q = 0; q < 16; q++) sums[q] = 0f;
            for (int s = 0; s < batch; s++) ScalarTail4x4(0, k, a + s * aStride, lda, b + s * bStride, ldb, sums);
        }
        for (int r = 0; r < 4; r++)
        {
            float* crow = c + (long)r * ldc;
            for (int j = 0; j < 4; j++) crow[j] = accumulate ? crow[j] + sums[r * 4 + j] : sums[r * 4 + j];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot4x4V512(int k, int batch, float* a, long aStride, int lda, float* aEnd, float* b, long bStride, int ldb, float* bEnd, float* sums)
    {
        for (int q = 0; q < 16; q++) sums[q] = 0f;
        Vector512<float> s00 = default, s01 = default, s02 = default, s03 = default, s10 = default, s11 = default, s12 = default, s13 = default, s20 = default, s21 = default, s22 = default, s23 = default, s30 = default, s31 = default, s32 = default, s33 = default;
        int vectorEnd = k & ~15;
        int rest = k - vectorEnd;
        // Lanes [0, rest) of the last, partial vector; the lanes past k are zeroed in both operands.
        var tailMask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(rest)).AsSingle();
        Vector512<float> va;
        for (int s = 0; s < batch; s++)
        {
            float* a0 = a + s * aStride, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
            float* b0 = b + s * bStride, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
            int p = 0;
            for (; p < vectorEnd; p += 16)
            {
                var vb0 = Vector512.Load(b0 + p); var vb1 = Vector512.Load(b1 + p); var vb2 = Vector512.Load(b2 + p); var vb3 = Vector512.Load(b3 + p);
                va = Vector512.Load(a0 + p);
                s00 = Vector512.FusedMultiplyAdd(va, vb0, s00); s01 = Vector512.FusedMultiplyAdd(va, vb1, s01); s02 = Vector512.FusedMultiplyAdd(va, vb2, s02); s03 = Vector512.FusedMultiplyAdd(va, vb3, s03);
                va = Vector512.Load(a1 + p);
                s10 = Vector512.FusedMultiplyAdd(va, vb0, s10); s11 = Vector512.FusedMultiplyAdd(va, vb1, s11); s12 = Vector512.FusedMultiplyAdd(va, vb2, s12); s13 = Vector512.FusedMultiplyAdd(va, vb3, s13);
                va = Vector512.Load(a2 + p);
                s20 = Vector512.FusedMultiplyAdd(va, vb0, s20); s21 = Vector512.FusedMultiplyAdd(va, vb1, s21); s22 = Vector512.FusedMultiplyAdd(va, vb2, s22); s23 = Vector512.FusedMultiplyAdd(va, vb3, s23);
                va = Vector512.Load(a3 + p);
                s30 = Vector512.FusedMultiplyAdd(va, vb0, s30); s31 = Vector512.FusedMultiplyAdd(va, vb1, s31); s32 = Vector512.FusedMultiplyAdd(va, vb2, s32); s33 = Vector512.FusedMultiplyAdd(va, vb3, s33);
            }
            if (rest == 0) continue;
            // A full-width load of the tail reads past the row, which is safe only while it stays inside the buffers.
            if (a3 + p + 16 <= aEnd && b3 + p + 16 <= bEnd)
            {
                var vb0 = Vector512.Load(b0 + p) & tailMask; var vb1 = Vector512.Load(b1 + p) & tailMask; var vb2 = Vector512.Load(b2 + p) & tailMask; var vb3 = Vector512.Load(b3 + p) & tailMask;
                va = Vector512.Load(a0 + p) & tailMask;
                s00 = Vector512.FusedMultiplyAdd(va, vb0, s00); s01 = Vector512.FusedMultiplyAdd(va, vb1, s01); s02 = Vector512.FusedMultiplyAdd(va, vb2, s02); s03 = Vector512.FusedMultiplyAdd(va, vb3, s03);
                va = Vector512.Load(a1 + p) & tailMask;
                s10 = Vector512.FusedMultiplyAdd(va, vb0, s10); s11 = Vector512.FusedMultiplyAdd(va, vb1, s11); s12 = Vector512.FusedMultiplyAdd(va, vb2, s12); s13 = Vector512.FusedMultiplyAdd(va, vb3, s13);
                va = Vector512.Load(a2 + p) & tailMask;
                s20 = Vector512.FusedMultiplyAdd(va, vb0, s20); s21 = Vector512.FusedMultiplyAdd(va, vb1, s21); s22 = Vector512.FusedMultiplyAdd(va, vb2, s22); s23 = Vector512.FusedMultiplyAdd(va, vb3, s23);
                va = Vector512.Load(a3 + p) & tailMask;
                s30 = Vector512.FusedMultiplyAdd(va, vb0, s30); s31 = Vector512.FusedMultiplyAdd(va, vb1, s31); s32 = Vector512.FusedMultiplyAdd(va, vb2, s32); s33 = Vector512.FusedMultiplyAdd(va, vb3, s33);
            }
            else
            {
                ScalarTail4x4(p, k, a0, lda, b0, ldb, sums);
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
    private static void Dot4x4V256(int k, int batch, float* a, long aStride, int lda, float* aEnd, float* b, long bStride, int ldb, float* bEnd, float* sums)
    {
        for (int q = 0; q < 16; q++) sums[q] = 0f;
        Vector256<float> s00 = default, s01 = default, s02 = default, s03 = default, s10 = default, s11 = default, s12 = default, s13 = default, s20 = default, s21 = default, s22 = default, s23 = default, s30 = default, s31 = default, s32 = default, s33 = default;
        int vectorEnd = k & ~7;
        int rest = k - vectorEnd;
        // Lanes [0, rest) of the last, partial vector; the lanes past k are zeroed in both operands.
        var tailMask = Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(rest)).AsSingle();
        Vector256<float> va;
        for (int s = 0; s < batch; s++)
        {
            float* a0 = a + s * aStride, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
            float* b0 = b + s * bStride, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
            int p = 0;
            for (; p < vectorEnd; p += 8)
            {
                var vb0 = Vector256.Load(b0 + p); var vb1 = Vector256.Load(b1 + p); var vb2 = Vector256.Load(b2 + p); var vb3 = Vector256.Load(b3 + p);
                va = Vector256.Load(a0 + p);
                s00 = Vector256.FusedMultiplyAdd(va, vb0, s00); s01 = Vector256.FusedMultiplyAdd(va, vb1, s01); s02 = Vector256.FusedMultiplyAdd(va, vb2, s02); s03 = Vector256.FusedMultiplyAdd(va, vb3, s03);
                va = Vector256.Load(a1 + p);
                s10 = Vector256.FusedMultiplyAdd(va, vb0, s10); s11 = Vector256.FusedMultiplyAdd(va, vb1, s11); s12 = Vector256.FusedMultiplyAdd(va, vb2, s12); s13 = Vector256.FusedMultiplyAdd(va, vb3, s13);
                va = Vector256.Load(a2 + p);
                s20 = Vector256.FusedMultiplyAdd(va, vb0, s20); s21 = Vector256.FusedMultiplyAdd(va, vb1, s21); s22 = Vector256.FusedMultiplyAdd(va, vb2, s22); s23 = Vector256.FusedMultiplyAdd(va, vb3, s23);
                va = Vector256.Load(a3 + p);
                s30 = Vector256.FusedMultiplyAdd(va, vb0, s30); s31 = Vector256.FusedMultiplyAdd(va, vb1, s31); s32 = Vector256.FusedMultiplyAdd(va, vb2, s32); s33 = Vector256.FusedMultiplyAdd(va, vb3, s33);
            }
            if (rest == 0) continue;
            // A full-width load of the tail reads past the row, which is safe only while it stays inside the buffers.
            if (a3 + p + 8 <= aEnd && b3 + p + 8 <= bEnd)
            {
                var vb0 = Vector256.Load(b0 + p) & tailMask; var vb1 = Vector256.Load(b1 + p) & tailMask; var vb2 = Vector256.Load(b2 + p) & tailMask; var vb3 = Vector256.Load(b3 + p) & tailMask;
                va = Vector256.Load(a0 + p) & tailMask;
                s00 = Vector256.FusedMultiplyAdd(va, vb0, s00); s01 = Vector256.FusedMultiplyAdd(va, vb1, s01); s02 = Vector256.FusedMultiplyAdd(va, vb2, s02); s03 = Vector256.FusedMultiplyAdd(va, vb3, s03);
                va = Vector256.Load(a1 + p) & tailMask;
                s10 = Vector256.FusedMultiplyAdd(va, vb0, s10); s11 = Vector256.FusedMultiplyAdd(va, vb1, s11); s12 = Vector256.FusedMultiplyAdd(va, vb2, s12); s13 = Vector256.FusedMultiplyAdd(va, vb3, s13);
                va = Vector256.Load(a2 + p) & tailMask;
                s20 = Vector256.FusedMultiplyAdd(va, vb0, s20); s21 = Vector256.FusedMultiplyAdd(va, vb1, s21); s22 = Vector256.FusedMultiplyAdd(va, vb2, s22); s23 = Vector256.FusedMultiplyAdd(va, vb3, s23);
                va = Vector256.Load(a3 + p) & tailMask;
                s30 = Vector256.FusedMultiplyAdd(va, vb0, s30); s31 = Vector256.FusedMultiplyAdd(va, vb1, s31); s32 = Vector256.FusedMultiplyAdd(va, vb2, s32); s33 = Vector256.FusedMultiplyAdd(va, vb3, s33);
            }
            else
            {
                ScalarTail4x4(p, k, a0, lda, b0, ldb, sums);
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

    private static void ScalarTail4x4(int p0, int k, float* a0, int lda, float* b0, int ldb, float* sums)
    {
        float* a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
        float* b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
        for (int p = p0; p < k; p++)
        {
            float x0 = a0[p], x1 = a1[p], x2 = a2[p], x3 = a3[p];
            float y0 = b0[p], y1 = b1[p], y2 = b2[p], y3 = b3[p];
            sums[0] += x0 * y0; sums[1] += x0 * y1; sums[2] += x0 * y2; sums[3] += x0 * y3;
            sums[4] += x1 * y0; sums[5] += x1 * y1; sums[6] += x1 * y2; sums[7] += x1 * y3;
            sums[8] += x2 * y0; sums[9] += x2 * y1; sums[10] += x2 * y2; sums[11] += x2 * y3;
            sums[12] += x3 * y0; sums[13] += x3 * y1; sums[14] += x3 * y2; sums[15] += x3 * y3;
        }
    }

    private static void Dot1x1(int k, int batch, float* a, long aStride, float* b, long bStride, float* c, bool accumulate)
    {
        float sum = 0f;
        for (int s = 0; s < batch; s++) sum += Dot(k, a + s * aStride, b + s * bStride);
        *c = accumulate ? *c + sum : sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Dot(int k, float* a, float* b)
    {
        int p = 0;
        float sum = 0f;
        if (Vector512.IsHardwareAccelerated && k >= 16)
        {
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (; p + 64 <= k; p += 64)
            {
                s0 = Vector512.FusedMultiplyAdd(Vector512.Load(a + p), Vector512.Load(b + p), s0);
                s1 = Vector512.FusedMultiplyAdd(Vector512.Load(a + p + 16), Vector512.Load(b + p + 16), s1);
                s2 = Vector512.FusedMultiplyAdd(Vector512.Load(a + p + 32), Vector512.Load(b + p + 32), s2);
                s3 = Vector512.FusedMultiplyAdd(Vector512.Load(a + p + 48), Vector512.Load(b + p + 48), s3);
            }
            for (; p + 16 <= k; p += 16) s0 = Vector512.FusedMultiplyAdd(Vector512.Load(a + p), Vector512.Load(b + p), s0);
            sum = Vector512.Sum((s0 + s1) + (s2 + s3));
        }
        else if (Vector256.IsHardwareAccelerated && k >= 8)
        {
            Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (; p + 32 <= k; p += 32)
            {
                s0 = Vector256.FusedMultiplyAdd(Vector256.Load(a + p), Vector256.Load(b + p), s0);
                s1 = Vector256.FusedMultiplyAdd(Vector256.Load(a + p + 8), Vector256.Load(b + p + 8), s1);
                s2 = Vector256.FusedMultiplyAdd(Vector256.Load(a + p + 16), Vector256.Load(b + p + 16), s2);
                s3 = Vector256.FusedMultiplyAdd(Vector256.Load(a + p + 24), Vector256.Load(b + p + 24), s3);
            }
            for (; p + 8 <= k; p += 8) s0 = Vector256.FusedMultiplyAdd(Vector256.Load(a + p), Vector256.Load(b + p), s0);
            sum = Vector256.Sum((s0 + s1) + (s2 + s3));
        }
        for (; p < k; p++) sum += a[p] * b[p];
        return sum;
    }
}
