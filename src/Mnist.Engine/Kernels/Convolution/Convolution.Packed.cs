using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Mnist.Engine.Kernels.Common;

namespace Mnist.Engine.Kernels;

// The float path on vector hardware: im2col is written straight into the GEMM's packed-B panels
// (no second copy), the weights are packed once per call for every sample, and the weight gradient
// reads the same packed columns. Other types and scalar-only machines use the plain im2col path.
public static partial class Convolution
{
    /// <summary>Length of the column cache <see cref="Forward{T}"/> fills for <see cref="BackwardWeights{T}"/>.</summary>
    public static long ColumnCacheLength<T>(Conv2dGeometry g) where T : unmanaged, IFloatingPointIeee754<T> =>
        (long)g.Batch * (UsesPackedPath<T>() ? PackedColumnItem(g) : g.ColumnItem);

    /// <summary>
    /// Whether <see cref="BackwardWeights{T}"/> gains from the forward pass's column cache. Not when the forward pass
    /// runs Winograd (it would unfold the columns only for the cache): the weight gradient then unfolds them in cache-sized
    /// pieces itself, which is faster than a round trip of the whole cache through memory.
    /// </summary>
    public static bool UsesColumnCache<T>(Conv2dGeometry g, ConvolutionOptions? options = null) where T : unmanaged, IFloatingPointIeee754<T> =>
        !UsesWinograd<T>(g, options);

    private static bool UsesPackedPath<T>() => typeof(T) == typeof(float) && GemmFloat.IsVectorized;

    // Winograd F(4×4,3×3) where it pays and the options allow it (see ConvolutionOptions.Winograd).
    private static bool UsesWinograd<T>(Conv2dGeometry g, ConvolutionOptions? options) =>
        typeof(T) == typeof(float) && (options ?? ConvolutionOptions.Default).Winograd && Winograd.Pays(g);

    private static void FillColumnCache(Conv2dGeometry g, ReadOnlyMemory<float> x, Memory<float> columns)
    {
        int packedItem = PackedColumnItem(g);
        Parallelism.ForChunks(g.Batch, (_, start, end) =>
        {
            for (int n = start; n < end; n++)
                Im2ColPacked(g, x.Span.Slice(n * g.InputItem, g.InputItem), columns.Span.Slice(n * packedItem, packedItem));
        });
    }

    private static int PackedColumnItem(Conv2dGeometry g) => GemmFloat.PackedBLength(g.PatchSize, g.OutPixels);

    private static unsafe void ForwardPacked(Conv2dGeometry g, ReadOnlyMemory<float> x, ReadOnlyMemory<float> w, ReadOnlyMemory<float> bias,
        Memory<float> y, Memory<float> columns, bool relu, float[]? prepackedW = null)
    {
        int packedItem = PackedColumnItem(g);
        bool cache = !columns.IsEmpty;
        var packedW = prepackedW ?? ArrayPool<float>.Shared.Rent(GemmFloat.PackedALength(g.OutChannels, g.PatchSize));
        try
        {
            if (prepackedW is null) GemmFloat.PackAFull(w.Span, g.PatchSize, false, g.OutChannels, g.PatchSize, packedW);
            int panels = (g.OutPixels + GemmBlocking.NR - 1) / GemmBlocking.NR;
            // Few samples (inference): spread each sample's panels over the threads instead of the samples.
            bool splitPanels = g.Batch < Parallelism.Degree;
            Parallelism.ForChunks(g.Batch, (_, start, end) =>
            {
                var scratch = cache ? null : Scratch<float>.Get(packedItem);
                for (int n = start; n < end; n++)
                {
                    var colMemory = cache ? columns.Slice(n * packedItem, packedItem) : scratch.AsMemory(0, packedItem);
                    var col = colMemory.Span;
                    var xn = x.Slice(n * g.InputItem, g.InputItem);
                    if (splitPanels)
                        Parallelism.ForChunks(g.InChannels, (_, c0, c1) => Im2ColPacked(g, xn.Span, colMemory.Span, c0, c1));
                    else
                        Im2ColPacked(g, xn.Span, col);
                    var outN = y.Slice(n * g.OutputItem, g.OutputItem);
                    var bs = bias.Span;
                    bool accumulate = !bs.IsEmpty;
                    if (accumulate)
                        for (int o = 0; o < g.OutChannels; o++) outN.Span.Slice(o * g.OutPixels, g.OutPixels).Fill(bs[o]);
                    fixed (float* pw = packedW, pcol = col, pout = outN.Span)
                    {
                        if (!splitPanels)
                        {
                            GemmFloat.MultiplyPrepacked(g.OutChannels, g.OutPixels, g.PatchSize, pw, pcol, pout, g.OutPixels, accumulate, 0, panels);
                        }
                        else
                        {
                            nint ipw = (nint)pw, ipcol = (nint)pcol, ipout = (nint)pout;
                            Parallelism.ForChunks(panels, (_, p0, p1) =>
                                GemmFloat.MultiplyPrepacked(g.OutChannels, g.OutPixels, g.PatchSize, (float*)ipw, (float*)ipcol, (float*)ipout,
                                    g.OutPixels, accumulate, p0, p1));
                        }
                    }
                    if (relu) Elementwise.Relu<float>(outN.Span, outN.Span);
                }
            });
        }
        finally
        {
            if (prepackedW is null) ArrayPool<float>.Shared.Return(packedW);
        }
    }

    // Input gradient of a batch on vector hardware: wᵀ is packed once for every sample (the general GEMM packed it
    // again for each one), each sample's dy is packed into B panels, and dcol = wᵀ·dy_n is folded back by col2im.
    // Samples are split over threads; each output is computed by one thread in a fixed order.
    private static unsafe void BackwardDataPacked(Conv2dGeometry g, ReadOnlyMemory<float> dy, ReadOnlyMemory<float> w, Memory<float> dx)
    {
        int patch = g.PatchSize, pixels = g.OutPixels, cout = g.OutChannels;
        var packedW = ArrayPool<float>.Shared.Rent(GemmFloat.PackedALength(patch, cout));
        try
        {
            GemmFloat.PackAFull(w.Span, patch, true, patch, cout, packedW);
            int panels = (pixels + GemmBlocking.NR - 1) / GemmBlocking.NR;
            int packedDyLength = GemmFloat.PackedBLength(cout, pixels);
            Parallelism.ForChunks(g.Batch, (_, start, end) =>
            {
                var scratch = Scratch<float>.Get(g.ColumnItem + packedDyLength);
                fixed (float* pw = packedW, ps = scratch, pdy = dy.Span)
                {
                    float* dcol = ps, pb = ps + g.ColumnItem;
                    for (int n = start; n < end; n++)
                    {
                        GemmFloat.PackBFull(pdy + (long)n * g.OutputItem, pixels, cout, pixels, pb);
                        GemmFloat.MultiplyPrepacked(patch, pixels, cout, pw, pb, dcol, pixels, false, 0, panels);
                        var dxN = dx.Span.Slice(n * g.InputItem, g.InputItem);
                        dxN.Clear();
                        if (g.Stride == 1)
                            fixed (float* px = dxN) Col2ImAddStride1(g, dcol, px);
                        else
                            Col2ImAdd<float>(g, new ReadOnlySpan<float>(dcol, g.ColumnItem), dxN);
                    }
                }
            });
        }
        finally
        {
            ArrayPool<float>.Shared.Return(packedW);
        }
    }

    // Col2ImAdd for stride 1 on pointers. Its runs are one output row (11–26 floats here), where a library add per run
    // cost more in calls than in additions: 4-wide vectors, then single floats.
    private static unsafe void Col2ImAddStride1(Conv2dGeometry g, float* col, float* x)
    {
        int oh = g.OutHeight, ow = g.OutWidth, k = g.Kernel, p = g.Padding, h = g.Height, w = g.Width;
        int row = 0;
        for (int c = 0; c < g.InChannels; c++)
        {
            float* plane = x + (long)c * h * w;
            for (int u = 0; u < k; u++)
                for (int v = 0; v < k; v++, row++)
                {
                    float* src = col + (long)row * oh * ow;
                    int first = v - p;
                    int j0 = Math.Max(0, -first), j1 = Math.Min(ow, w - first);
                    if (j1 <= j0) continue;
                    for (int i = 0; i < oh; i++)
                    {
                        int r = i + u - p;
                        if ((uint)r >= (uint)h) continue;
                        float* s = src + (long)i * ow + j0;
                        float* d = plane + (long)r * w + first + j0;
                        int len = j1 - j0, q = 0;
                        for (; q + 4 <= len; q += 4) Vector128.Store(Vector128.Load(d + q) + Vector128.Load(s + q), d + q);
                        for (; q < len; q++) d[q] += s[q];
                    }
                }
        }
    }

    private static unsafe void BackwardWeightsPacked(Conv2dGeometry g, ReadOnlyMemory<float> x, ReadOnlyMemory<float> columns,
        ReadOnlyMemory<float> dy, Memory<float> dw, Memory<float> dbias)
    {
        int packedItem = PackedColumnItem(g);
        if (g.PatchSize == 9)
        {
            BackwardWeightsNineRows(g, x, columns, dy, dw, dbias);
            return;
        }
        // dy is re-packed (transposed into channel panels) once, split over samples; then dwᵀ [patch, Cout] is
        // computed by blocks of patch rows split over threads, and added transposed into dw.
        int cout = g.OutChannels, patch = g.PatchSize, kk = g.Kernel * g.Kernel;
        int dyTItem = GemmFloat.TransposedPanelsLength(cout, g.OutPixels);
        var dyT = ArrayPool<float>.Shared.Rent(dyTItem * g.Batch);
        var dwT = ArrayPool<float>.Shared.Rent(patch * cout);
        try
        {
            Parallelism.ForChunks(g.Batch, (_, start, end) =>
            {
                fixed (float* pdy = dy.Span, pt = dyT)
                    for (int n = start; n < end; n++)
                        GemmFloat.PackTransposedPanels(pdy + (long)n * g.OutputItem, cout, g.OutPixels, pt + (long)n * dyTItem);
            });
            if (!columns.IsEmpty)
            {
                int tiles = (patch + GemmBlocking.MR - 1) / GemmBlocking.MR;
                Parallelism.ForChunks(tiles, (_, start, end) =>
                {
                    int p0 = start * GemmBlocking.MR, p1 = Math.Min(patch, end * GemmBlocking.MR);
                    fixed (float* pt = dyT, pcol = columns.Span, pdw = dwT)
                        GemmFloat.WeightGradientRows(p0, p1, patch, cout, g.OutPixels, g.Batch, pcol, packedItem, pt, dyTItem, pdw, cout, false);
                });
            }
            else
            {
                // No cache (the forward pass ran Winograd): each thread unfolds only its input channels' rows, one sample
                // at a time, into a buffer that stays in cache, and multiplies them at once. This replaces writing and
                // re-reading N·patch·pixels floats of columns through memory. A row's sums are the same as from a cache.
                Parallelism.ForChunks(g.InChannels, (_, c0, c1) =>
                {
                    int rows = (c1 - c0) * kk;
                    int localItem = GemmFloat.PackedBLength(rows, g.OutPixels);
                    var local = Scratch<float>.Get(localItem);
                    var xs = x.Span;
                    fixed (float* pt = dyT, pcol = local, pdw = dwT)
                    {
                        for (int n = 0; n < g.Batch; n++)
                        {
                            Im2ColPacked(g, xs.Slice(n * g.InputItem, g.InputItem), local, c0, c1, rows);
                            GemmFloat.WeightGradientRows(0, rows, rows, cout, g.OutPixels, 1, pcol, 0, pt + (long)n * dyTItem, 0,
                                pdw + (long)c0 * kk * cout, cout, n > 0);
                        }
                    }
                });
            }
            var dws = dw.Span;
            for (int o = 0; o < cout; o++)
                for (int p = 0; p < patch; p++) dws[o * patch + p] += dwT[p * cout + o];
        }
        finally
        {
            ArrayPool<float>.Shared.Return(dyT);
            ArrayPool<float>.Shared.Return(dwT);
        }
        if (!dbias.IsEmpty) SumChannelsParallel(g, dy, dbias);
    }

    // dbias[o] += Σ_n Σ_pixels dy[n,o,·], as SumChannels (its reference) with vector sums, threads splitting the channels:
    // one accumulator chain per channel made this a latency-bound loop as long as a convolution's weight gradient.
    private static void SumChannelsParallel(Conv2dGeometry g, ReadOnlyMemory<float> dy, Memory<float> dbias)
    {
        Parallelism.ForChunks(g.OutChannels, (_, o0, o1) =>
        {
            var dys = dy.Span;
            var bs = dbias.Span;
            for (int o = o0; o < o1; o++)
            {
                float sum = 0f;
                for (int n = 0; n < g.Batch; n++) sum += System.Numerics.Tensors.TensorPrimitives.Sum(dys.Slice(n * g.OutputItem + o * g.OutPixels, g.OutPixels));
                bs[o] += sum;
            }
        });
    }

    // A 3×3 kernel on one input channel (the first layer): 9 patch rows are too few for the GEMM's tiles, and
    // transposing dy for it cost more than the products. Instead each output channel keeps one vector accumulator per
    // patch row over every pixel of every sample, reading dy in place, and reduces them once. Threads split the output
    // channels, so every sum has the same order whatever the thread count.
    private static unsafe void BackwardWeightsNineRows(Conv2dGeometry g, ReadOnlyMemory<float> x, ReadOnlyMemory<float> columns,
        ReadOnlyMemory<float> dy, Memory<float> dw, Memory<float> dbias)
    {
        int packedItem = PackedColumnItem(g);
        float[]? rented = null;
        if (columns.IsEmpty)
        {
            rented = ArrayPool<float>.Shared.Rent(packedItem * g.Batch);
            var all = rented;
            Parallelism.ForChunks(g.Batch, (_, start, end) =>
            {
                for (int n = start; n < end; n++)
                    Im2ColPacked(g, x.Span.Slice(n * g.InputItem, g.InputItem), all.AsSpan(n * packedItem, packedItem));
            });
            columns = rented.AsMemory(0, packedItem * g.Batch);
        }
        try
        {
            Parallelism.ForChunks(g.OutChannels, (_, o0, o1) =>
            {
                fixed (float* pcol = columns.Span, pdy = dy.Span, pdw = dw.Span)
                    WeightGradientNineRows(g, pcol, packedItem, pdy, pdw, o0, o1);
            });
        }
        finally
        {
            if (rented is not null) ArrayPool<float>.Shared.Return(rented);
        }
        if (!dbias.IsEmpty) SumChannelsParallel(g, dy, dbias);
    }

    /// <summary>
    /// dw[o, p] += Σ_n Σ_pixel dy[n,o,pixel]·col_n[p,pixel] for output channels [o0, o1) of a geometry with 9 patch rows;
    /// col_n is the packed im2col (sample stride colStride). <see cref="Reference.ReferenceConvolution.BackwardWeights{T}"/>
    /// is the oracle (through <see cref="BackwardWeights{T}"/>).
    /// </summary>
    internal static unsafe void WeightGradientNineRows(Conv2dGeometry g, float* col, long colStride, float* dy, float* dw, int o0, int o1)
    {
        int nr = GemmBlocking.NR, pixels = g.OutPixels, cout = g.OutChannels, vc = Vector<float>.Count;
        int panels = (pixels + nr - 1) / nr;
        float* tail = stackalloc float[nr];
        // Samples outermost, so one sample's columns stay in L1 for all its output channels; the running sums of each
        // channel live in acc between samples (same order of additions as keeping them in registers).
        var acc = new Vector<float>[9 * (o1 - o0)];
        fixed (Vector<float>* pacc = acc)
        {
            for (int n = 0; n < g.Batch; n++)
            {
                float* cn = col + n * colStride;
                for (int o = o0; o < o1; o++)
                {
                    Vector<float>* s = pacc + 9 * (o - o0);
                    Vector<float> a0 = s[0], a1 = s[1], a2 = s[2], a3 = s[3], a4 = s[4], a5 = s[5], a6 = s[6], a7 = s[7], a8 = s[8];
                    float* dyo = dy + ((long)n * cout + o) * pixels;
                    for (int pp = 0; pp < panels; pp++)
                    {
                        float* d = dyo + pp * nr;
                        int valid = Math.Min(nr, pixels - pp * nr);
                        if (valid < nr)
                        {
                            // The last panel: the columns are zero past the last pixel, dy is not there at all.
                            for (int q = 0; q < nr; q++) tail[q] = q < valid ? d[q] : 0f;
                            d = tail;
                        }
                        float* c = cn + (long)pp * 9 * nr;
                        for (int l = 0; l < nr; l += vc)
                        {
                            var v = Vector.Load(d + l);
                            a0 = Vector.FusedMultiplyAdd(v, Vector.Load(c + l), a0);
                            a1 = Vector.FusedMultiplyAdd(v, Vector.Load(c + nr + l), a1);
                            a2 = Vector.FusedMultiplyAdd(v, Vector.Load(c + 2 * nr + l), a2);
                            a3 = Vector.FusedMultiplyAdd(v, Vector.Load(c + 3 * nr + l), a3);
                            a4 = Vector.FusedMultiplyAdd(v, Vector.Load(c + 4 * nr + l), a4);
                            a5 = Vector.FusedMultiplyAdd(v, Vector.Load(c + 5 * nr + l), a5);
                            a6 = Vector.FusedMultiplyAdd(v, Vector.Load(c + 6 * nr + l), a6);
                            a7 = Vector.FusedMultiplyAdd(v, Vector.Load(c + 7 * nr + l), a7);
                            a8 = Vector.FusedMultiplyAdd(v, Vector.Load(c + 8 * nr + l), a8);
                        }
                    }
                    s[0] = a0; s[1] = a1; s[2] = a2; s[3] = a3; s[4] = a4; s[5] = a5; s[6] = a6; s[7] = a7; s[8] = a8;
                }
            }
            for (int o = o0; o < o1; o++)
            {
                Vector<float>* s = pacc + 9 * (o - o0);
                float* dwo = dw + (long)o * 9;
                for (int p = 0; p < 9; p++) dwo[p] += Vector.Sum(s[p]);
            }
        }
    }

    /// <summary>
    /// im2col of one sample x [Cin,H,W] written in packed-B layout: the [Cin·K·K, OutH·OutW] matrix cut into
    /// panels of <see cref="GemmBlocking.NR"/> output pixels, each panel row-major over the patch index, zero past the last pixel.
    /// </summary>
    /// <remarks>
    /// Channels [c0, c1) only. With <paramref name="localDepth"/> ≥ 0 the output holds just those channels' rows, as a
    /// packed matrix of that depth (row 0 = channel c0's first), instead of their place in the full matrix.
    /// </remarks>
    internal static unsafe void Im2ColPacked(Conv2dGeometry g, ReadOnlySpan<float> x, Span<float> packed, int c0 = 0, int c1 = -1, int localDepth = -1)
    {
        if (c1 < 0) c1 = g.InChannels;
        int depth = localDepth >= 0 ? localDepth : g.PatchSize, firstRow = localDepth >= 0 ? c0 * g.Kernel * g.Kernel : 0;
        if (localDepth >= 0 && localDepth != (c1 - c0) * g.Kernel * g.Kernel) throw new ArgumentException("Local im2col depth does not match the channel range.");
        if (x.Length < g.InputItem || packed.Length < GemmFloat.PackedBLength(depth, g.OutPixels)) throw new ArgumentException("im2col buffers too short.");
        int nr = GemmBlocking.NR, pixels = g.OutPixels;
        int oh = g.OutHeight, ow = g.OutWidth, k = g.Kernel, s = g.Stride, pad = g.Padding, h = g.Height, w = g.Width;
        int panels = (pixels + nr - 1) / nr;
        long panelStride = (long)depth * nr;
        int lastPanel = panels - 1, used = pixels - lastPanel * nr;
        fixed (float* px0 = x, pk = packed)
        {
            for (int c = c0; c < c1; c++)
            {
                float* plane = px0 + (long)c * h * w;
                int row = c * k * k - firstRow;
                for (int u = 0; u < k; u++)
                    for (int v = 0; v < k; v++, row++)
                    {
                        float* rowBase = pk + (long)row * nr;
                        int panel = 0, t = 0;
                        for (int i = 0; i < oh; i++)
                        {
                            int r = i * s + u - pad;
                            bool rowInside = r >= 0 && r < h;
                            float* src = plane + (long)r * w;
                            for (int j = 0; j < ow;)
                            {
                                // The longest run of pixels that stays inside one panel and one output row.
                                int run = Math.Min(ow - j, nr - t);
                                float* d = rowBase + panel * panelStride + t;
                                if (!rowInside)
                                {
                                    for (int q = 0; q < run; q++) d[q] = 0f;
                                }
                                else if (s == 1)
                                {
                                    // Only the ends of a run can fall in the padding: zero them, copy the inside in one block
                                    // (a per-element bounds test here cost more than the GEMM that follows).
                                    int first = j + v - pad;
                                    int lo = Math.Clamp(-first, 0, run), hi = Math.Clamp(w - first, lo, run);
                                    for (int q = 0; q < lo; q++) d[q] = 0f;
                                    CopyShort(src + first + lo, d + lo, hi - lo);
                                    for (int q = hi; q < run; q++) d[q] = 0f;
                                }
                                else
                                {
                                    for (int q = 0; q < run; q++)
                                    {
                                        int col = (j + q) * s + v - pad;
                                        d[q] = (uint)col < (uint)w ? src[col] : 0f;
                                    }
                                }
                                j += run;
                                t += run;
                                if (t == nr) { t = 0; panel++; }
                            }
                        }
                        // Zero the padding columns of the last panel.
                        float* tail = rowBase + lastPanel * panelStride;
                        for (int q = used; q < nr; q++) tail[q] = 0f;
                    }
            }
        }
    }

    // Runs here are one output row or less (often 10–30 floats), where Buffer.MemoryCopy's call and size dispatch
    // cost more than the copy: whole vectors, then one last vector that may overlap the previous one.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void CopyShort(float* src, float* dst, int n)
    {
        if (n < 4)
        {
            for (int q = 0; q < n; q++) dst[q] = src[q];
            return;
        }
        int i = 0;
        for (; i + 4 <= n; i += 4) Vector128.Store(Vector128.Load(src + i), dst + i);
        if (i < n) Vector128.Store(Vector128.Load(src + n - 4), dst + n - 4);
    }
}
