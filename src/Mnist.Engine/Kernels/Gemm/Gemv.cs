using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Mnist.Engine.Kernels.Common;

namespace Mnist.Engine.Kernels;

/// <summary>
/// y = W·x + b for one input vector x [k] and a row-major W [rows, k]: a fully connected layer's forward pass for a
/// single sample. <see cref="Reference.ReferenceGemm"/> (m = 1, B transposed) is the oracle.
/// </summary>
/// <remarks>
/// One sample reads every weight once and multiplies it once, so the pass is bound by reading W (4.7 MB for the seed
/// network's 9216→128 layer, more than one core's L2). The kernel streams four rows at a time, each x vector loaded
/// once for the four, with two accumulators per row to cover the FMA latency; large layers split their rows over
/// the threads, which also splits the read bandwidth. Each output is summed by one thread in a fixed order (lane
/// partial sums, then the lanes, then the scalar tail), so results do not depend on the thread count.
/// </remarks>
public static unsafe class Gemv
{
    // Below this many weights the thread hand-off (a few µs) costs more than the half of the read it saves.
    private const long MinWeightsToSplit = 256 * 1024;

    /// <summary>y[j] = Σ_p W[j,p]·x[p] (+ bias[j] when bias is not empty), j &lt; rows.</summary>
    /// <exception cref="ArgumentException">A span does not match rows and k.</exception>
    public static void Multiply(int rows, int k, ReadOnlySpan<float> w, ReadOnlySpan<float> x, ReadOnlySpan<float> bias, Span<float> y)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        if (w.Length != (long)rows * k) throw new ArgumentException($"W has {w.Length} elements, expected {rows}·{k}.", nameof(w));
        if (x.Length != k) throw new ArgumentException($"x has {x.Length} elements, expected {k}.", nameof(x));
        if (y.Length != rows) throw new ArgumentException($"y has {y.Length} elements, expected {rows}.", nameof(y));
        if (!bias.IsEmpty && bias.Length != rows) throw new ArgumentException($"Bias has {bias.Length} elements, expected {rows}.", nameof(bias));
        if (rows == 0) return;
        bool hasBias = !bias.IsEmpty;
        fixed (float* pw = w, px = x, pb = bias, py = y)
        {
            if ((long)rows * k < MinWeightsToSplit || rows < 8)
            {
                Rows(0, rows, k, pw, px, hasBias ? pb : null, py);
                return;
            }
            nint iw = (nint)pw, ix = (nint)px, ib = hasBias ? (nint)pb : 0, iy = (nint)py;
            // Chunks of whole 4-row blocks, so the split does not change which kernel computes a row.
            int blocks = (rows + 3) / 4;
            Parallelism.ForChunks(blocks, (_, start, end) =>
                Rows(start * 4, Math.Min(rows, end * 4), k, (float*)iw, (float*)ix, (float*)ib, (float*)iy));
        }
    }

    private static void Rows(int r0, int r1, int k, float* w, float* x, float* bias, float* y)
    {
        if (Vector512.IsHardwareAccelerated) Rows<Gemv512, Vector512<float>>(r0, r1, k, w, x, bias, y);
        else if (Vector256.IsHardwareAccelerated) Rows<Gemv256, Vector256<float>>(r0, r1, k, w, x, bias, y);
        else if (Vector128.IsHardwareAccelerated) Rows<Gemv128, Vector128<float>>(r0, r1, k, w, x, bias, y);
        else RowsScalar(r0, r1, k, w, x, bias, y);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rows<TL, TV>(int r0, int r1, int k, float* w, float* x, float* bias, float* y)
        where TL : IGemvLanes<TV> where TV : unmanaged
    {
        int count = TL.Count, pairEnd = k / (2 * count) * (2 * count), vectorEnd = k / count * count;
        int r = r0;
        for (; r + 4 <= r1; r += 4)
        {
            float* w0 = w + (long)r * k, w1 = w0 + k, w2 = w1 + k, w3 = w2 + k;
            TV a0 = TL.Zero, b0 = TL.Zero, a1 = TL.Zero, b1 = TL.Zero, a2 = TL.Zero, b2 = TL.Zero, a3 = TL.Zero, b3 = TL.Zero;
            int p = 0;
            for (; p < pairEnd; p += 2 * count)
            {
                TV xa = TL.Load(x + p), xb = TL.Load(x + p + count);
                a0 = TL.MulAdd(TL.Load(w0 + p), xa, a0); b0 = TL.MulAdd(TL.Load(w0 + p + count), xb, b0);
                a1 = TL.MulAdd(TL.Load(w1 + p), xa, a1); b1 = TL.MulAdd(TL.Load(w1 + p + count), xb, b1);
                a2 = TL.MulAdd(TL.Load(w2 + p), xa, a2); b2 = TL.MulAdd(TL.Load(w2 + p + count), xb, b2);
                a3 = TL.MulAdd(TL.Load(w3 + p), xa, a3); b3 = TL.MulAdd(TL.Load(w3 + p + count), xb, b3);
            }
            for (; p < vectorEnd; p += count)
            {
                TV xa = TL.Load(x + p);
                a0 = TL.MulAdd(TL.Load(w0 + p), xa, a0);
                a1 = TL.MulAdd(TL.Load(w1 + p), xa, a1);
                a2 = TL.MulAdd(TL.Load(w2 + p), xa, a2);
                a3 = TL.MulAdd(TL.Load(w3 + p), xa, a3);
            }
            y[r] = Finish(TL.Sum(TL.Add(a0, b0)), w0, x, vectorEnd, k, bias, r);
            y[r + 1] = Finish(TL.Sum(TL.Add(a1, b1)), w1, x, vectorEnd, k, bias, r + 1);
            y[r + 2] = Finish(TL.Sum(TL.Add(a2, b2)), w2, x, vectorEnd, k, bias, r + 2);
            y[r + 3] = Finish(TL.Sum(TL.Add(a3, b3)), w3, x, vectorEnd, k, bias, r + 3);
        }
        for (; r < r1; r++)
        {
            float* w0 = w + (long)r * k;
            TV a0 = TL.Zero, b0 = TL.Zero;
            int p = 0;
            for (; p < pairEnd; p += 2 * count)
            {
                a0 = TL.MulAdd(TL.Load(w0 + p), TL.Load(x + p), a0);
                b0 = TL.MulAdd(TL.Load(w0 + p + count), TL.Load(x + p + count), b0);
            }
            for (; p < vectorEnd; p += count) a0 = TL.MulAdd(TL.Load(w0 + p), TL.Load(x + p), a0);
            y[r] = Finish(TL.Sum(TL.Add(a0, b0)), w0, x, vectorEnd, k, bias, r);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Finish(float sum, float* row, float* x, int p, int k, float* bias, int r)
    {
        for (; p < k; p++) sum += row[p] * x[p];
        return bias is null ? sum : sum + bias[r];
    }

    private static void RowsScalar(int r0, int r1, int k, float* w, float* x, float* bias, float* y)
    {
        for (int r = r0; r < r1; r++)
        {
            float* row = w + (long)r * k;
            float sum = 0f;
            for (int p = 0; p < k; p++) sum += row[p] * x[p];
            y[r] = bias is null ? sum : sum + bias[r];
        }
    }
}

// The vector operations the GEMV needs, one struct per width, so the kernel is written once.
internal unsafe interface IGemvLanes<TV> where TV : unmanaged
{
    static abstract int Count { get; }
    static abstract TV Zero { get; }
    static abstract TV Load(float* p);
    static abstract TV MulAdd(TV a, TV b, TV c);
    static abstract TV Add(TV a, TV b);
    static abstract float Sum(TV v);
}

internal readonly unsafe struct Gemv512 : IGemvLanes<Vector512<float>>
{
    public static int Count => Vector512<float>.Count;
    public static Vector512<float> Zero => Vector512<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Load(float* p) => Vector512.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> MulAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector512<float> v) => Vector512.Sum(v);
}

internal readonly unsafe struct Gemv256 : IGemvLanes<Vector256<float>>
{
    public static int Count => Vector256<float>.Count;
    public static Vector256<float> Zero => Vector256<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load(float* p) => Vector256.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> MulAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector256<float> v) => Vector256.Sum(v);
}

internal readonly unsafe struct Gemv128 : IGemvLanes<Vector128<float>>
{
    public static int Count => Vector128<float>.Count;
    public static Vector128<float> Zero => Vector128<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Load(float* p) => Vector128.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> MulAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => Vector128.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector128<float> v) => Vector128.Sum(v);
}
