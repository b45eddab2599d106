using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Mnist.Engine.Kernels.Common;
using Mnist.Engine.Kernels.Reference;

namespace Mnist.Engine.Kernels;

// Convolution → ReLU → 2×2 max pool as one pass, for a first layer in training (no input gradient wanted). The
// convolution's own output (lenet conv1: 11 MB per batch of 128) is never written: each window's four outputs are
// computed in registers and only the pooled value and the winning cell are stored; the backward pass sends each
// pooled gradient straight into the weight gradient through that cell, where the separate layers wrote a
// full-size gradient (pool) and read it back (conv weight gradient).
//
// Lanes are 8 neighbouring windows of one pooled row. Window j's cell (dy, dx) with kernel tap (u, v) reads input
// column 2j + dx + v, so the input is split once into even and odd columns per row: every tap of every cell is then
// one contiguous 8-float load. The sums are fused multiply-adds in the reference's order, so the forward pass equals
// ReferenceConvolutionPool bit for bit (Vector256.FusedMultiplyAdd rounds once, in hardware or not).
public static partial class Convolution
{
    /// <summary>Corner code of a pooled value that is not positive: its gradient is masked (the ReLU's zero slope).</summary>
    public const int NoCorner = 4;

    private const int PooledLanes = 8;

    /// <summary>Whether <see cref="ForwardReluMaxPool"/> handles <paramref name="g"/>: stride 1, no padding, a 2×2 output at least.</summary>
    public static bool FusesReluMaxPool(Conv2dGeometry g) => g.Stride == 1 && g.Padding == 0 && g.OutHeight >= 2 && g.OutWidth >= 2;

    /// <summary>Elements of the scratch buffer the fused passes take (the input split into even and odd columns).</summary>
    public static long ReluMaxPoolScratchLength(Conv2dGeometry g) => (long)g.Batch * g.InChannels * g.Height * 2 * HalfWidth(g) + WideLanes;

    // 512-bit steps take 16 windows, more than a row may have (lenet conv1: 13): the lanes past the row read the next
    // split row (or this much padding after the last one) and are never stored or summed.
    private const int WideLanes = 16;

    private static bool Wide(Conv2dGeometry g) => g.InChannels == 1 && g.Kernel == 3 && Vector512.IsHardwareAccelerated && g.OutWidth / 2 > PooledLanes;

    private static int HalfWidth(Conv2dGeometry g) => (g.Width + 1) / 2;

    private static bool VectorizesPooled(Conv2dGeometry g) => Vector256.IsHardwareAccelerated && g.OutWidth / 2 >= PooledLanes;

    /// <summary>
    /// pooled = maxpool2×2(relu(conv(x, w) + bias)) and the winning cell of each window (see
    /// <see cref="ReferenceConvolutionPool.Forward{T}"/>); pooled and corners are [N,Cout,OutH/2,OutW/2].
    /// </summary>
    public static unsafe void ForwardReluMaxPool(Conv2dGeometry g, ReadOnlyMemory<float> x, ReadOnlyMemory<float> w, ReadOnlyMemory<float> bias,
        Memory<float> pooled, Memory<int> corners, Memory<float> scratch)
    {
        CheckPooled(g, x.Length, w.Length, pooled.Length, corners.Length);
        if (!bias.IsEmpty && bias.Length != g.OutChannels) throw new ArgumentException($"Bias has {bias.Length} elements, expected {g.OutChannels}.");
        if (!VectorizesPooled(g))
        {
            ReferenceConvolutionPool.Forward(g, x.Span, w.Span, bias.Span, pooled.Span, corners.Span);
            return;
        }
        if (scratch.Length < ReluMaxPoolScratchLength(g)) throw new ArgumentException("Scratch buffer too short.", nameof(scratch));
        SplitColumns(g, x, scratch);
        int ph = g.OutHeight / 2, pw = g.OutWidth / 2;
        using var xs = scratch.Pin();
        using var wp = w.Pin();
        using var bp = bias.Pin();
        using var yp = pooled.Pin();
        using var cp = corners.Pin();
        float* split = (float*)xs.Pointer, weights = (float*)wp.Pointer, b = bias.IsEmpty ? null : (float*)bp.Pointer, y = (float*)yp.Pointer;
        int* corner = (int*)cp.Pointer;
        int planePixels = ph * pw, half = HalfWidth(g), rowStride = 2 * half;
        bool oneChannel3x3 = g.InChannels == 1 && g.Kernel == 3;
        if (Wide(g))
        {
            int pairs = (g.OutChannels + 1) / 2;
            Parallelism.ForChunks(g.Batch * pairs, (_, start, end) =>
            {
                for (int p = start; p < end; p++)
                {
                    int n = p / pairs, oa = p % pairs * 2, ob = Math.Min(oa + 1, g.OutChannels - 1);
                    long planeA = (long)n * g.OutChannels + oa, planeB = (long)n * g.OutChannels + ob;
                    PooledPlanesWide(split + (long)n * g.Height * rowStride, rowStride, half, weights + (long)oa * 9, weights + (long)ob * 9,
                        b is null ? 0f : b[oa], b is null ? 0f : b[ob], ph, pw,
                        y + planeA * planePixels, corner + planeA * planePixels, y + planeB * planePixels, corner + planeB * planePixels);
                }
            });
            return;
        }
        Parallelism.ForChunks(g.Batch * g.OutChannels, (_, start, end) =>
        {
            for (int plane = start; plane < end; plane++)
            {
                int n = plane / g.OutChannels, o = plane % g.OutChannels;

                var bv = b is null ? Vector256<float>.Zero : Vector256.Create(b[o]);
                var w9 = oneChannel3x3 ? new Weights9(weights + (long)o * 9) : default;
                for (int i = 0; i < ph; i++)
                {
                    long outRow = (long)plane * planePixels + i * pw;
                    for (int j0 = 0; ; j0 += PooledLanes)
                    {
                        // The last step ends at the row's last window; overlapping windows get the same values again.
                        int j = Math.Min(j0, pw - PooledLanes);
                        if (oneChannel3x3)
                            PooledStep1x3(split + ((long)n * g.Height + 2 * i) * rowStride + j, rowStride, half, w9, bv, y + outRow + j, corner + outRow + j);
                        else
                            PooledStep(g, split, weights + (long)o * g.PatchSize, bv, n, i, j, y + outRow + j, corner + outRow + j);
                        if (j + PooledLanes >= pw) break;
                    }
                }
            }
        }, minItemsPerChunk: Math.Max(1, 4096 / Math.Max(1, planePixels * g.PatchSize)));
    }

    /// <summary>
    /// dw += ∂L/∂w and dbias += ∂L/∂b (when not empty) from the pooled output's gradient and the corners of
    /// <see cref="ForwardReluMaxPool"/>. Output channels are split over threads and each sums its samples in order,
    /// so the result does not depend on the thread count. With <paramref name="scratchHoldsInput"/> the scratch is taken
    /// as <see cref="ForwardReluMaxPool"/> left it for this same <paramref name="x"/> (the split is not redone).
    /// </summary>
    public static unsafe void BackwardWeightsReluMaxPool(Conv2dGeometry g, ReadOnlyMemory<float> x, ReadOnlyMemory<float> pooledGrad, ReadOnlyMemory<int> corners,
        Memory<float> dw, Memory<float> dbias, Memory<float> scratch, bool scratchHoldsInput = false)
    {
        CheckPooled(g, x.Length, dw.Length, pooledGrad.Length, corners.Length);
        if (!dbias.IsEmpty && dbias.Length != g.OutChannels) throw new ArgumentException($"Bias gradient has {dbias.Length} elements, expected {g.OutChannels}.");
        if (!VectorizesPooled(g))
        {
            ReferenceConvolutionPool.BackwardWeights(g, x.Span, pooledGrad.Span, corners.Span, dw.Span, dbias.Span);
            return;
        }
        if (scratch.Length < ReluMaxPoolScratchLength(g)) throw new ArgumentException("Scratch buffer too short.", nameof(scratch));
        if (!scratchHoldsInput) SplitColumns(g, x, scratch);
        int ph = g.OutHeight / 2, pw = g.OutWidth / 2;
        using var xs = scratch.Pin();
        using var gp = pooledGrad.Pin();
        using var cp = corners.Pin();
        using var wp = dw.Pin();
        using var bp = dbias.Pin();
        float* split = (float*)xs.Pointer, dy = (float*)gp.Pointer, dwp = (float*)wp.Pointer, db = dbias.IsEmpty ? null : (float*)bp.Pointer;
        int* corner = (int*)cp.Pointer;
        int planePixels = ph * pw, taps = g.PatchSize, half = HalfWidth(g), rowStride = 2 * half;
        bool oneChannel3x3 = g.InChannels == 1 && g.Kernel == 3, wide = Wide(g);
        Parallelism.ForChunks(g.OutChannels, (_, start, end) =>
        {
            var acc = new Vector256<float>[taps];
            fixed (Vector256<float>* a = acc)
            {
                for (int o = start; o < end; o++)
                {
                    Array.Clear(acc);
                    var accBias = wide ? ChannelGradientWide(g, split, dy, corner, o, a)
                        : oneChannel3x3 ? ChannelGradient1x3(g, split, dy, corner, o, a)
                        : ChannelGradient(g, split, dy, corner, o, a);
                    for (int t = 0; t < taps; t++) dwp[(long)o * taps + t] += Vector256.Sum(a[t]);
                    if (db is not null) db[o] += Vector256.Sum(accBias);
                }
            }
        });
    }

    // Lanes of the step at windows j..j+7 that an earlier step of the row (which reached window j0) has not taken.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Fresh(int j, int j0) =>
        Vector256.GreaterThanOrEqual(Vector256.Create(j) + Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(j0)).AsSingle();

    // Sums output channel o's gradient into a[tap] (lanes still to be added) and returns its bias gradient lanes.
    private static unsafe Vector256<float> ChannelGradient(Conv2dGeometry g, float* split, float* dy, int* corner, int o, Vector256<float>* a)
    {
        int ph = g.OutHeight / 2, pw = g.OutWidth / 2;
        var accBias = Vector256<float>.Zero;
        for (int n = 0; n < g.Batch; n++)
            for (int i = 0; i < ph; i++)
            {
                long row = ((long)n * g.OutChannels + o) * ph * pw + i * pw;
                for (int j0 = 0; ; j0 += PooledLanes)
                {
                    int j = Math.Min(j0, pw - PooledLanes);
                    var d = Vector256.Load(dy + row + j) & Fresh(j, j0);
                    var c = Vector256.Load(corner + row + j);
                    accBias += Vector256.ConditionalSelect(Vector256.LessThan(c, Vector256.Create(NoCorner)).AsSingle(), d, Vector256<float>.Zero);
                    PooledGradientStep(g, split, a, d, c, n, i, j);
                    if (j + PooledLanes >= pw) break;
                }
            }
        return accBias;
    }

    // One input channel, 3×3: the nine tap sums stay in registers over the whole batch, and each window's 4×4 input
    // columns are loaded once for all four cells.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe Vector256<float> ChannelGradient1x3(Conv2dGeometry g, float* split, float* dy, int* corner, int o, Vector256<float>* a)
    {
        int ph = g.OutHeight / 2, pw = g.OutWidth / 2, half = HalfWidth(g), rowStride = 2 * half, height = g.Height, channels = g.OutChannels;
        Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default, s8 = default;
        var accBias = Vector256<float>.Zero;
        var zero = Vector256<float>.Zero;
        var one = Vector256.Create(1);
        var two = Vector256.Create(2);
        var three = Vector256.Create(3);
        var none = Vector256.Create(NoCorner);
        for (int n = 0; n < g.Batch; n++)
            for (int i = 0; i < ph; i++)
            {
                long row = ((long)n * channels + o) * ph * pw + i * pw;
                float* rows0 = split + ((long)n * height + 2 * i) * rowStride;
                for (int j0 = 0; ; j0 += PooledLanes)
                {
                    int j = Math.Min(j0, pw - PooledLanes);
                    var d = Vector256.Load(dy + row + j) & Fresh(j, j0);
                    var c = Vector256.Load(corner + row + j);
                    accBias += Vector256.ConditionalSelect(Vector256.LessThan(c, none).AsSingle(), d, zero);
                    var d0 = Vector256.ConditionalSelect(Vector256.Equals(c, Vector256<int>.Zero).AsSingle(), d, zero);
                    var d1 = Vector256.ConditionalSelect(Vector256.Equals(c, one).AsSingle(), d, zero);
                    var d2 = Vector256.ConditionalSelect(Vector256.Equals(c, two).AsSingle(), d, zero);
                    var d3 = Vector256.ConditionalSelect(Vector256.Equals(c, three).AsSingle(), d, zero);
                    float* rows = rows0 + j;
                    LoadRow4(rows, half, out var x00, out var x01, out var x02, out var x03);
                    LoadRow4(rows + rowStride, half, out var x10, out var x11, out var x12, out var x13);
                    LoadRow4(rows + 2 * rowStride, half, out var x20, out var x21, out var x22, out var x23);
                    LoadRow4(rows + 3 * rowStride, half, out var x30, out var x31, out var x32, out var x33);
                    // Tap (u, v) of cell (dy, dx) reads x[dy + u][dx + v]; cells added in order 0-3, as the generic step.
                    s0 = Fma(d0, x00, s0); s0 = Fma(d1, x01, s0); s0 = Fma(d2, x10, s0); s0 = Fma(d3, x11, s0);
                    s1 = Fma(d0, x01, s1); s1 = Fma(d1, x02, s1); s1 = Fma(d2, x11, s1); s1 = Fma(d3, x12, s1);
                    s2 = Fma(d0, x02, s2); s2 = Fma(d1, x03, s2); s2 = Fma(d2, x12, s2); s2 = Fma(d3, x13, s2);
                    s3 = Fma(d0, x10, s3); s3 = Fma(d1, x11, s3); s3 = Fma(d2, x20, s3); s3 = Fma(d3, x21, s3);
                    s4 = Fma(d0, x11, s4); s4 = Fma(d1, x12, s4); s4 = Fma(d2, x21, s4); s4 = Fma(d3, x22, s4);
                    s5 = Fma(d0, x12, s5); s5 = Fma(d1, x13, s5); s5 = Fma(d2, x22, s5); s5 = Fma(d3, x23, s5);
                    s6 = Fma(d0, x20, s6); s6 = Fma(d1, x21, s6); s6 = Fma(d2, x30, s6); s6 = Fma(d3, x31, s6);
                    s7 = Fma(d0, x21, s7); s7 = Fma(d1, x22, s7); s7 = Fma(d2, x31, s7); s7 = Fma(d3, x32, s7);
                    s8 = Fma(d0, x22, s8); s8 = Fma(d1, x23, s8); s8 = Fma(d2, x32, s8); s8 = Fma(d3, x33, s8);
                    if (j + PooledLanes >= pw) break;
                }
            }
        a[0] = s0; a[1] = s1; a[2] = s2; a[3] = s3; a[4] = s4; a[5] = s5; a[6] = s6; a[7] = s7; a[8] = s8;
        return accBias;
    }

    private static void CheckPooled(Conv2dGeometry g, int xLength, int wLength, int pooledLength, int cornersLength)
    {
        g.Validate();
        if (!FusesReluMaxPool(g)) throw new ArgumentException($"The fused convolution and pooling needs stride 1, no padding and a 2×2 output at least, got {g}.");
        if (xLength != (long)g.Batch * g.InputItem) throw new ArgumentException("Input length does not match the geometry.");
        if (wLength != g.WeightLength) throw new ArgumentException($"Weights have {wLength} elements, expected {g.WeightLength}.");
        long pooled = (long)g.Batch * g.OutChannels * (g.OutHeight / 2) * (g.OutWidth / 2);
        if (pooledLength != pooled || cornersLength != pooled) throw new ArgumentException($"Pooled tensors need {pooled} elements.");
    }

    // Per input row: the even columns, then the odd ones, each HalfWidth long.
    private static unsafe void SplitColumns(Conv2dGeometry g, ReadOnlyMemory<float> x, Memory<float> scratch)
    {
        using var xp = x.Pin();
        using var sp = scratch.Pin();
        float* src = (float*)xp.Pointer, dst = (float*)sp.Pointer;
        int half = HalfWidth(g), width = g.Width;
        Parallelism.ForChunks(g.Batch * g.InChannels * g.Height, (_, start, end) =>
        {
            for (int r = start; r < end; r++)
            {
                float* s = src + (long)r * width, even = dst + (long)r * 2 * half, odd = even + half;
                for (int c = 0; c < width; c++)
                    if ((c & 1) == 0) even[c >> 1] = s[c];
                    else odd[c >> 1] = s[c];
                if ((width & 1) != 0) odd[half - 1] = 0f;
            }
        }, minItemsPerChunk: 512);
    }

    // Input columns 2(j + lane) + q of row r of the split plane starting at rows, for lanes 0-7.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<float> SplitLoad(float* rows, int rowStride, int half, int r, int q, int j) =>
        Vector256.Load(rows + (long)r * rowStride + ((q & 1) == 0 ? 0 : half) + (q >> 1) + j);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PooledStep(Conv2dGeometry g, float* split, float* w, Vector256<float> bias, int n, int i, int j, float* y, int* corners)
    {
        int half = HalfWidth(g), rowStride = 2 * half, k = g.Kernel;
        Vector256<float> a0 = bias, a1 = bias, a2 = bias, a3 = bias;
        for (int ci = 0; ci < g.InChannels; ci++)
        {
            float* rows = split + (((long)n * g.InChannels + ci) * g.Height + 2 * i) * rowStride;
            float* wc = w + ci * k * k;
            for (int u = 0; u < k; u++)
                for (int v = 0; v < k; v++)
                {
                    var wv = Vector256.Create(wc[u * k + v]);
                    a0 = Fma(SplitLoad(rows, rowStride, half, u, v, j), wv, a0);
                    a1 = Fma(SplitLoad(rows, rowStride, half, u, v + 1, j), wv, a1);
                    a2 = Fma(SplitLoad(rows, rowStride, half, u + 1, v, j), wv, a2);
                    a3 = Fma(SplitLoad(rows, rowStride, half, u + 1, v + 1, j), wv, a3);
                }
        }
        // ReLU as the layer's: x ≤ 0 → +0, NaN kept; then the pooling rule (strict >, first NaN wins).
        Vector256<float> best = Relu(a0);
        Vector256<int> corner = Vector256<int>.Zero;
        SelectCell(ref best, ref corner, Relu(a1), 1);
        SelectCell(ref best, ref corner, Relu(a2), 2);
        SelectCell(ref best, ref corner, Relu(a3), 3);
        best.Store(y);
        Vector256.ConditionalSelect(Vector256.GreaterThan(best, Vector256<float>.Zero).AsInt32(), corner, Vector256.Create(NoCorner)).Store(corners);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PooledGradientStep(Conv2dGeometry g, float* split, Vector256<float>* acc, Vector256<float> d, Vector256<int> c, int n, int i, int j)
    {
        int half = HalfWidth(g), rowStride = 2 * half, k = g.Kernel;
        var zero = Vector256<float>.Zero;
        var d0 = Vector256.ConditionalSelect(Vector256.Equals(c, Vector256<int>.Zero).AsSingle(), d, zero);
        var d1 = Vector256.ConditionalSelect(Vector256.Equals(c, Vector256.Create(1)).AsSingle(), d, zero);
        var d2 = Vector256.ConditionalSelect(Vector256.Equals(c, Vector256.Create(2)).AsSingle(), d, zero);
        var d3 = Vector256.ConditionalSelect(Vector256.Equals(c, Vector256.Create(3)).AsSingle(), d, zero);
        for (int ci = 0; ci < g.InChannels; ci++)
        {
            float* rows = split + (((long)n * g.InChannels + ci) * g.Height + 2 * i) * rowStride;
            Vector256<float>* ac = acc + ci * k * k;
            for (int u = 0; u < k; u++)
                for (int v = 0; v < k; v++)
                {
                    var s = ac[u * k + v];
                    s = Fma(d0, SplitLoad(rows, rowStride, half, u, v, j), s);
                    s = Fma(d1, SplitLoad(rows, rowStride, half, u, v + 1, j), s);
                    s = Fma(d2, SplitLoad(rows, rowStride, half, u + 1, v, j), s);
                    s = Fma(d3, SplitLoad(rows, rowStride, half, u + 1, v + 1, j), s);
                    ac[u * k + v] = s;
                }
        }
    }

    // One input channel, 3×3 (a first layer on grey images): the window's 4×4 input columns are loaded once for all
    // four cells and the nine weights stay in registers for the whole plane.
    private readonly unsafe struct Weights9(float* w)
    {
        public readonly Vector256<float> W0 = Vector256.Create(w[0]), W1 = Vector256.Create(w[1]), W2 = Vector256.Create(w[2]);
        public readonly Vector256<float> W3 = Vector256.Create(w[3]), W4 = Vector256.Create(w[4]), W5 = Vector256.Create(w[5]);
        public readonly Vector256<float> W6 = Vector256.Create(w[6]), W7 = Vector256.Create(w[7]), W8 = Vector256.Create(w[8]);
    }

    // PooledStep1x3 over a whole row of windows for two output channels at once (the same one twice for an odd last
    // channel): the nine-step sum of each cell is a dependency chain, and eight independent chains (instead of four)
    // keep the FMA units busy. Each input vector is loaded once, in row-major order, which is also the tap order of
    // every cell it feeds, so each sum keeps the reference's order. Rows of fewer than 16 windows spill their spare
    // lanes onto the next row of the plane (written after this one); the plane's last row goes through the stack.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PooledPlanesWide(float* rows0, int rowStride, int half, float* wa, float* wb, float biasA, float biasB, int ph, int pw,
        float* ya, int* ca, float* yb, int* cb)
    {
        Vector512<float> w0 = Vector512.Create(wa[0]), w1 = Vector512.Create(wa[1]), w2 = Vector512.Create(wa[2]);
        Vector512<float> w3 = Vector512.Create(wa[3]), w4 = Vector512.Create(wa[4]), w5 = Vector512.Create(wa[5]);
        Vector512<float> w6 = Vector512.Create(wa[6]), w7 = Vector512.Create(wa[7]), w8 = Vector512.Create(wa[8]);
        Vector512<float> v0 = Vector512.Create(wb[0]), v1 = Vector512.Create(wb[1]), v2 = Vector512.Create(wb[2]);
        Vector512<float> v3 = Vector512.Create(wb[3]), v4 = Vector512.Create(wb[4]), v5 = Vector512.Create(wb[5]);
        Vector512<float> v6 = Vector512.Create(wb[6]), v7 = Vector512.Create(wb[7]), v8 = Vector512.Create(wb[8]);
        float* bestBuffer = stackalloc float[WideLanes];
        int* cornerBuffer = stackalloc int[WideLanes];
        for (int i = 0; i < ph; i++)
        {
            float* rowIn = rows0 + (long)2 * i * rowStride;
            for (int j0 = 0; ; j0 += WideLanes)
            {
                int j = pw >= WideLanes ? Math.Min(j0, pw - WideLanes) : 0;
                float* r = rowIn + j;
                Vector512<float> a0 = Vector512.Create(biasA), a1 = a0, a2 = a0, a3 = a0;
                Vector512<float> b0 = Vector512.Create(biasB), b1 = b0, b2 = b0, b3 = b0;
                Vector512<float> x;
                x = Vector512.Load(r);
                a0 = Fma(x, w0, a0); b0 = Fma(x, v0, b0);
                x = Vector512.Load(r + half);
                a0 = Fma(x, w1, a0); b0 = Fma(x, v1, b0);
                a1 = Fma(x, w0, a1); b1 = Fma(x, v0, b1);
                x = Vector512.Load(r + 1);
                a0 = Fma(x, w2, a0); b0 = Fma(x, v2, b0);
                a1 = Fma(x, w1, a1); b1 = Fma(x, v1, b1);
                x = Vector512.Load(r + half + 1);
                a1 = Fma(x, w2, a1); b1 = Fma(x, v2, b1);
                x = Vector512.Load(r + rowStride);
                a0 = Fma(x, w3, a0); b0 = Fma(x, v3, b0);
                a2 = Fma(x, w0, a2); b2 = Fma(x, v0, b2);
                x = Vector512.Load(r + rowStride + half);
                a0 = Fma(x, w4, a0); b0 = Fma(x, v4, b0);
                a1 = Fma(x, w3, a1); b1 = Fma(x, v3, b1);
                a2 = Fma(x, w1, a2); b2 = Fma(x, v1, b2);
                a3 = Fma(x, w0, a3); b3 = Fma(x, v0, b3);
                x = Vector512.Load(r + rowStride + 1);
                a0 = Fma(x, w5, a0); b0 = Fma(x, v5, b0);
                a1 = Fma(x, w4, a1); b1 = Fma(x, v4, b1);
                a2 = Fma(x, w2, a2); b2 = Fma(x, v2, b2);
                a3 = Fma(x, w1, a3); b3 = Fma(x, v1, b3);
                x = Vector512.Load(r + rowStride + half + 1);
                a1 = Fma(x, w5, a1); b1 = Fma(x, v5, b1);
                a3 = Fma(x, w2, a3); b3 = Fma(x, v2, b3);
                x = Vector512.Load(r + 2 * rowStride);
                a0 = Fma(x, w6, a0); b0 = Fma(x, v6, b0);
                a2 = Fma(x, w3, a2); b2 = Fma(x, v3, b2);
                x = Vector512.Load(r + 2 * rowStride + half);
                a0 = Fma(x, w7, a0); b0 = Fma(x, v7, b0);
                a1 = Fma(x, w6, a1); b1 = Fma(x, v6, b1);
                a2 = Fma(x, w4, a2); b2 = Fma(x, v4, b2);
                a3 = Fma(x, w3, a3); b3 = Fma(x, v3, b3);
                x = Vector512.Load(r + 2 * rowStride + 1);
                a0 = Fma(x, w8, a0); b0 = Fma(x, v8, b0);
                a1 = Fma(x, w7, a1); b1 = Fma(x, v7, b1);
                a2 = Fma(x, w5, a2); b2 = Fma(x, v5, b2);
                a3 = Fma(x, w4, a3); b3 = Fma(x, v4, b3);
                x = Vector512.Load(r + 2 * rowStride + half + 1);
                a1 = Fma(x, w8, a1); b1 = Fma(x, v8, b1);
                a3 = Fma(x, w5, a3); b3 = Fma(x, v5, b3);
                x = Vector512.Load(r + 3 * rowStride);
                a2 = Fma(x, w6, a2); b2 = Fma(x, v6, b2);
                x = Vector512.Load(r + 3 * rowStride + half);
                a2 = Fma(x, w7, a2); b2 = Fma(x, v7, b2);
                a3 = Fma(x, w6, a3); b3 = Fma(x, v6, b3);
                x = Vector512.Load(r + 3 * rowStride + 1);
                a2 = Fma(x, w8, a2); b2 = Fma(x, v8, b2);
                a3 = Fma(x, w7, a3); b3 = Fma(x, v7, b3);
                x = Vector512.Load(r + 3 * rowStride + half + 1);
                a3 = Fma(x, w8, a3); b3 = Fma(x, v8, b3);
                bool direct = pw >= WideLanes || i + 1 < ph;
                long at = (long)i * pw + j;
                StorePooled(a0, a1, a2, a3, direct ? ya + at : bestBuffer, direct ? ca + at : cornerBuffer);
                if (!direct) CopyPooled(bestBuffer, cornerBuffer, ya + at, ca + at, pw);
                StorePooled(b0, b1, b2, b3, direct ? yb + at : bestBuffer, direct ? cb + at : cornerBuffer);
                if (!direct) CopyPooled(bestBuffer, cornerBuffer, yb + at, cb + at, pw);
                if (j + WideLanes >= pw) break;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StorePooled(Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3, float* y, int* corners)
    {
        var zero = Vector512<float>.Zero;
        var best = Vector512.AndNot(a0, Vector512.LessThanOrEqual(a0, zero));
        var corner = Vector512<int>.Zero;
        SelectCell(ref best, ref corner, Vector512.AndNot(a1, Vector512.LessThanOrEqual(a1, zero)), 1);
        SelectCell(ref best, ref corner, Vector512.AndNot(a2, Vector512.LessThanOrEqual(a2, zero)), 2);
        SelectCell(ref best, ref corner, Vector512.AndNot(a3, Vector512.LessThanOrEqual(a3, zero)), 3);
        best.Store(y);
        Vector512.ConditionalSelect(Vector512.GreaterThan(best, zero).AsInt32(), corner, Vector512.Create(NoCorner)).Store(corners);
    }

    private static unsafe void CopyPooled(float* bestBuffer, int* cornerBuffer, float* y, int* corners, int count)
    {
        new ReadOnlySpan<float>(bestBuffer, count).CopyTo(new Span<float>(y, count));
        new ReadOnlySpan<int>(cornerBuffer, count).CopyTo(new Span<int>(corners, count));
    }

    // ChannelGradient1x3 with 16 windows a step (lanes past the row zeroed); folded to 8 lanes at the end.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe Vector256<float> ChannelGradientWide(Conv2dGeometry g, float* split, float* dy, int* corner, int o, Vector256<float>* a)
    {
        int ph = g.OutHeight / 2, pw = g.OutWidth / 2, half = HalfWidth(g), rowStride = 2 * half, height = g.Height, channels = g.OutChannels;
        long total = (long)g.Batch * channels * ph * pw;
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default, s8 = default;
        var accBias = Vector512<float>.Zero;
        var zero = Vector512<float>.Zero;
        var one = Vector512.Create(1);
        var two = Vector512.Create(2);
        var three = Vector512.Create(3);
        var none = Vector512.Create(NoCorner);
        var lane = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        float* dyBuffer = stackalloc float[WideLanes];
        int* cornerBuffer = stackalloc int[WideLanes];
        for (int n = 0; n < g.Batch; n++)
            for (int i = 0; i < ph; i++)
            {
                long row = ((long)n * channels + o) * ph * pw + i * pw;
                float* rows0 = split + ((long)n * height + 2 * i) * rowStride;
                for (int j0 = 0; ; j0 += WideLanes)
                {
                    int j = pw >= WideLanes ? Math.Min(j0, pw - WideLanes) : 0;
                    Vector512<float> d;
                    Vector512<int> c;
                    if (row + j + WideLanes <= total)
                    {
                        d = Vector512.Load(dy + row + j);
                        c = Vector512.Load(corner + row + j);
                    }
                    else
                    {
                        // The last row of the batch: its lanes past the row would read past the arrays.
                        int valid = (int)(total - row - j);
                        new Span<float>(dyBuffer, WideLanes).Clear();
                        new Span<int>(cornerBuffer, WideLanes).Fill(NoCorner);
                        new ReadOnlySpan<float>(dy + row + j, valid).CopyTo(new Span<float>(dyBuffer, WideLanes));
                        new ReadOnlySpan<int>(corner + row + j, valid).CopyTo(new Span<int>(cornerBuffer, WideLanes));
                        d = Vector512.Load(dyBuffer);
                        c = Vector512.Load(cornerBuffer);
                    }
                    // Lanes of windows that exist (j + lane < pw) and that no earlier step took (j + lane ≥ j0).
                    var windows = lane + Vector512.Create(j);
                    var keep = Vector512.LessThan(windows, Vector512.Create(pw)) & Vector512.GreaterThanOrEqual(windows, Vector512.Create(j0));
                    d &= keep.AsSingle();
                    accBias += Vector512.ConditionalSelect(Vector512.LessThan(c, none).AsSingle(), d, zero);
                    var d0 = Vector512.ConditionalSelect(Vector512.Equals(c, Vector512<int>.Zero).AsSingle(), d, zero);
                    var d1 = Vector512.ConditionalSelect(Vector512.Equals(c, one).AsSingle(), d, zero);
                    var d2 = Vector512.ConditionalSelect(Vector512.Equals(c, two).AsSingle(), d, zero);
                    var d3 = Vector512.ConditionalSelect(Vector512.Equals(c, three).AsSingle(), d, zero);
                    float* r = rows0 + j;
                    LoadRow4Wide(r, half, out var x00, out var x01, out var x02, out var x03);
                    LoadRow4Wide(r + rowStride, half, out var x10, out var x11, out var x12, out var x13);
                    LoadRow4Wide(r + 2 * rowStride, half, out var x20, out var x21, out var x22, out var x23);
                    LoadRow4Wide(r + 3 * rowStride, half, out var x30, out var x31, out var x32, out var x33);
                    s0 = Fma(d0, x00, s0); s0 = Fma(d1, x01, s0); s0 = Fma(d2, x10, s0); s0 = Fma(d3, x11, s0);
                    s1 = Fma(d0, x01, s1); s1 = Fma(d1, x02, s1); s1 = Fma(d2, x11, s1); s1 = Fma(d3, x12, s1);
                    s2 = Fma(d0, x02, s2); s2 = Fma(d1, x03, s2); s2 = Fma(d2, x12, s2); s2 = Fma(d3, x13, s2);
                    s3 = Fma(d0, x10, s3); s3 = Fma(d1, x11, s3); s3 = Fma(d2, x20, s3); s3 = Fma(d3, x21, s3);
                    s4 = Fma(d0, x11, s4); s4 = Fma(d1, x12, s4); s4 = Fma(d2, x21, s4); s4 = Fma(d3, x22, s4);
                    s5 = Fma(d0, x12, s5); s5 = Fma(d1, x13, s5); s5 = Fma(d2, x22, s5); s5 = Fma(d3, x23, s5);
                    s6 = Fma(d0, x20, s6); s6 = Fma(d1, x21, s6); s6 = Fma(d2, x30, s6); s6 = Fma(d3, x31, s6);
                    s7 = Fma(d0, x21, s7); s7 = Fma(d1, x22, s7); s7 = Fma(d2, x31, s7); s7 = Fma(d3, x32, s7);
                    s8 = Fma(d0, x22, s8); s8 = Fma(d1, x23, s8); s8 = Fma(d2, x32, s8); s8 = Fma(d3, x33, s8);
                    if (j + WideLanes >= pw) break;
                }
            }
        a[0] = Fold(s0); a[1] = Fold(s1); a[2] = Fold(s2); a[3] = Fold(s3); a[4] = Fold(s4); a[5] = Fold(s5); a[6] = Fold(s6); a[7] = Fold(s7); a[8] = Fold(s8);
        return Fold(accBias);
    }

    private static Vector256<float> Fold(Vector512<float> v) => v.GetLower() + v.GetUpper();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void LoadRow4Wide(float* row, int half, out Vector512<float> q0, out Vector512<float> q1, out Vector512<float> q2, out Vector512<float> q3)
    {
        q0 = Vector512.Load(row);
        q1 = Vector512.Load(row + half);
        q2 = Vector512.Load(row + 1);
        q3 = Vector512.Load(row + half + 1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Fma(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.FusedMultiplyAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SelectCell(ref Vector512<float> best, ref Vector512<int> corner, Vector512<float> candidate, int cell)
    {
        var take = Vector512.GreaterThan(candidate, best) | (~Vector512.Equals(candidate, candidate) & Vector512.Equals(best, best));
        best = Vector512.ConditionalSelect(take, candidate, best);
        corner = Vector512.ConditionalSelect(take.AsInt32(), Vector512.Create(cell), corner);
    }

    // One split input row's four column offsets q = 0..3 (even, odd, even+1, odd+1) at windows j..j+7.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void LoadRow4(float* row, int half, out Vector256<float> q0, out Vector256<float> q1, out Vector256<float> q2, out Vector256<float> q3)
    {
        q0 = Vector256.Load(row);
        q1 = Vector256.Load(row + half);
        q2 = Vector256.Load(row + 1);
        q3 = Vector256.Load(row + half + 1);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PooledStep1x3(float* rows, int rowStride, int half, in Weights9 w, Vector256<float> bias, float* y, int* corners)
    {
        Vector256<float> a0 = bias, a1 = bias, a2 = bias, a3 = bias;
        // Input row r feeds tap row u = r of the top cells and u = r − 1 of the bottom ones; the sums still run over
        // taps in (u, v) order per cell, as the reference's.
        LoadRow4(rows, half, out var x00, out var x01, out var x02, out var x03);
        LoadRow4(rows + rowStride, half, out var x10, out var x11, out var x12, out var x13);
        LoadRow4(rows + 2 * rowStride, half, out var x20, out var x21, out var x22, out var x23);
        LoadRow4(rows + 3 * rowStride, half, out var x30, out var x31, out var x32, out var x33);
        a0 = Fma(x00, w.W0, a0); a0 = Fma(x01, w.W1, a0); a0 = Fma(x02, w.W2, a0); a0 = Fma(x10, w.W3, a0); a0 = Fma(x11, w.W4, a0); a0 = Fma(x12, w.W5, a0); a0 = Fma(x20, w.W6, a0); a0 = Fma(x21, w.W7, a0); a0 = Fma(x22, w.W8, a0);
        a1 = Fma(x01, w.W0, a1); a1 = Fma(x02, w.W1, a1); a1 = Fma(x03, w.W2, a1); a1 = Fma(x11, w.W3, a1); a1 = Fma(x12, w.W4, a1); a1 = Fma(x13, w.W5, a1); a1 = Fma(x21, w.W6, a1); a1 = Fma(x22, w.W7, a1); a1 = Fma(x23, w.W8, a1);
        a2 = Fma(x10, w.W0, a2); a2 = Fma(x11, w.W1, a2); a2 = Fma(x12, w.W2, a2); a2 = Fma(x20, w.W3, a2); a2 = Fma(x21, w.W4, a2); a2 = Fma(x22, w.W5, a2); a2 = Fma(x30, w.W6, a2); a2 = Fma(x31, w.W7, a2); a2 = Fma(x32, w.W8, a2);
        a3 = Fma(x11, w.W0, a3); a3 = Fma(x12, w.W1, a3); a3 = Fma(x13, w.W2, a3); a3 = Fma(x21, w.W3, a3); a3 = Fma(x22, w.W4, a3); a3 = Fma(x23, w.W5, a3); a3 = Fma(x31, w.W6, a3); a3 = Fma(x32, w.W7, a3); a3 = Fma(x33, w.W8, a3);
        Vector256<float> best = Relu(a0);
        Vector256<int> corner = Vector256<int>.Zero;
        SelectCell(ref best, ref corner, Relu(a1), 1);
        SelectCell(ref best, ref corner, Relu(a2), 2);
        SelectCell(ref best, ref corner, Relu(a3), 3);
        best.Store(y);
        Vector256.ConditionalSelect(Vector256.GreaterThan(best, Vector256<float>.Zero).AsInt32(), corner, Vector256.Create(NoCorner)).Store(corners);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Fma(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.FusedMultiplyAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Relu(Vector256<float> v) => Vector256.AndNot(v, Vector256.LessThanOrEqual(v, Vector256<float>.Zero));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SelectCell(ref Vector256<float> best, ref Vector256<int> corner, Vector256<float> candidate, int cell)
    {
        var take = Vector256.GreaterThan(candidate, best) | (~Vector256.Equals(candidate, candidate) & Vector256.Equals(best, best));
        best = Vector256.ConditionalSelect(take, candidate, best);
        corner = Vector256.ConditionalSelect(take.AsInt32(), Vector256.Create(cell), corner);
    }
}
