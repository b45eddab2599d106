using System.Buffers;
using System.Numerics;
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

    private static bool UsesPackedPath<T>() => typeof(T) == typeof(float) && GemmFloat.IsVectorized;

    private static int PackedColumnItem(Conv2dGeometry g) => GemmFloat.PackedBLength(g.PatchSize, g.OutPixels);

    private static unsafe void ForwardPacked(Conv2dGeometry g, ReadOnlyMemory<float> x, ReadOnlyMemory<float> w, ReadOnlyMemory<float> bias,
        Memory<float> y, Memory<float> columns, bool relu)
    {
        int packedItem = PackedColumnItem(g);
        bool cache = !columns.IsEmpty;
        var packedW = ArrayPool<float>.Shared.Rent(GemmFloat.PackedALength(g.OutChannels, g.PatchSize));
        try
        {
            GemmFloat.PackAFull(w.Span, g.PatchSize, false, g.OutChannels, g.PatchSize, packedW);
            int panels = (g.OutPixels + GemmBlocking.NR - 1) / GemmBlocking.NR;
            // Few samples (inference): spread each sample's panels over the threads instead of the samples.
            bool splitPanels = g.Batch < Parallelism.Degree;
            Parallelism.ForChunks(g.Batch, (_, start, end) =>
            {
                var scratch = cache ? null : Scratch<float>.Get(packedItem);
                for (int n = start; n < end; n++)
                {
                    var col = cache ? columns.Span.Slice(n * packedItem, packedItem) : scratch.AsSpan(0, packedItem);
                    Im2ColPacked(g, x.Span.Slice(n * g.InputItem, g.InputItem), col);
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
            ArrayPool<float>.Shared.Return(packedW);
        }
    }

    private static unsafe void BackwardWeightsPacked(Conv2dGeometry g, ReadOnlyMemory<float> x, ReadOnlyMemory<float> columns,
        ReadOnlyMemory<float> dy, Memory<float> dw, Memory<float> dbias)
    {
        int packedItem = PackedColumnItem(g);
        if (columns.IsEmpty)
        {
            var all = new float[(long)g.Batch * packedItem];
            for (int n = 0; n < g.Batch; n++)
                Im2ColPacked(g, x.Span.Slice(n * g.InputItem, g.InputItem), all.AsSpan(n * packedItem, packedItem));
            columns = all;
        }
        // dy is re-packed (transposed into channel panels) once, split over samples; then dwᵀ [patch, Cout] is
        // computed by tiles of MR patch rows split over threads, and added transposed into dw.
        int cout = g.OutChannels, patch = g.PatchSize;
        int dyTItem = GemmFloat.TransposedPanelsLength(cout, g.OutPixels);
        var dyT = ArrayPool<float>.Shared.Rent(dyTItem * g.Batch);
        var dwT = new float[patch * cout];
        try
        {
            Parallelism.ForChunks(g.Batch, (_, start, end) =>
            {
                fixed (float* pdy = dy.Span, pt = dyT)
                    for (int n = start; n < end; n++)
                        GemmFloat.PackTransposedPanels(pdy + (long)n * g.OutputItem, cout, g.OutPixels, pt + (long)n * dyTItem);
            });
            int tiles = (patch + GemmBlocking.MR - 1) / GemmBlocking.MR;
            Parallelism.ForChunks(tiles, (_, start, end) =>
            {
                int p0 = start * GemmBlocking.MR, p1 = Math.Min(patch, end * GemmBlocking.MR);
                fixed (float* pt = dyT, pcol = columns.Span, pdw = dwT)
                {
                    GemmFloat.WeightGradientRows(p0, p1, patch, cout, g.OutPixels, g.Batch, pcol, packedItem, pt, dyTItem, pdw, cout, false);
                }
            });
        }
        finally
        {
            ArrayPool<float>.Shared.Return(dyT);
        }
        var dws = dw.Span;
        for (int o = 0; o < cout; o++)
            for (int p = 0; p < patch; p++) dws[o * patch + p] += dwT[p * cout + o];
        if (!dbias.IsEmpty) SumChannels(g, dy.Span, dbias.Span, 0, cout);
    }

    /// <summary>
    /// im2col of one sample x [Cin,H,W] written in packed-B layout: the [Cin·K·K, OutH·OutW] matrix cut into
    /// panels of <see cref="GemmBlocking.NR"/> output pixels, each panel row-major over the patch index, zero past the last pixel.
    /// </summary>
    internal static void Im2ColPacked(Conv2dGeometry g, ReadOnlySpan<float> x, Span<float> packed)
    {
        int nr = GemmBlocking.NR, depth = g.PatchSize, pixels = g.OutPixels;
        int oh = g.OutHeight, ow = g.OutWidth, k = g.Kernel, s = g.Stride, pad = g.Padding, h = g.Height, w = g.Width;
        int panels = (pixels + nr - 1) / nr;
        long panelStride = (long)depth * nr;
        int row = 0;
        for (int c = 0; c < g.InChannels; c++)
        {
            var plane = x.Slice(c * h * w, h * w);
            for (int u = 0; u < k; u++)
                for (int v = 0; v < k; v++, row++)
                {
                    int px = 0;
                    for (int i = 0; i < oh; i++)
                    {
                        int r = i * s + u - pad;
                        for (int j = 0; j < ow;)
                        {
                            // The longest run of pixels that stays inside one panel and one output row.
                            int panel = px / nr, t = px - panel * nr;
                            int run = Math.Min(ow - j, nr - t);
                            var dst = packed.Slice((int)(panel * panelStride) + row * nr + t, run);
                            if (r < 0 || r >= h) dst.Clear();
                            else if (s == 1)
                            {
                                // Source columns first..first+run-1: zeros left of the image, a contiguous copy, zeros right of it.
                                int first = j + v - pad;
                                int left = Math.Clamp(-first, 0, run), right = Math.Clamp(first + run - w, 0, run - left);
                                dst[..left].Clear();
                                plane.Slice(r * w + first + left, run - left - right).CopyTo(dst[left..]);
                                dst[(run - right)..].Clear();
                            }
                            else
                                for (int q = 0; q < run; q++)
                                {
                                    int col = (j + q) * s + v - pad;
                                    dst[q] = col >= 0 && col < w ? plane[r * w + col] : 0f;
                                }
                            j += run;
                            px += run;
                        }
                    }
                    // Zero the padding columns of the last panel.
                    int lastPanel = panels - 1, used = pixels - lastPanel * nr;
                    if (used < nr) packed.Slice((int)(lastPanel * panelStride) + row * nr + used, nr - used).Clear();
                }
        }
    }
}
