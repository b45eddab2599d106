using System.Numerics;
using Mnist.Engine.Kernels.Common;

namespace Mnist.Engine.Kernels;

/// <summary>
/// Batched 2-D convolution (PyTorch Conv2d semantics, NCHW, zero padding) as im2col + <see cref="Gemm"/>.
/// Samples are split over threads in fixed chunks; weight gradients are split by output channel, so every
/// result is bit-identical whatever the thread count.
/// <see cref="Reference.ReferenceConvolution"/> is the oracle.
/// </summary>
public static partial class Convolution
{
    /// <summary>
    /// y = conv(x, w) + bias. x [N,Cin,H,W], w [Cout,Cin,K,K], bias [Cout] or empty, y [N,Cout,OutH,OutW].
    /// When <paramref name="columns"/> is given (N·<see cref="Conv2dGeometry.ColumnItem"/> long) each sample's
    /// im2col matrix is kept there for <see cref="BackwardWeights{T}"/>. <paramref name="relu"/> rectifies y;
    /// <paramref name="options"/> (default <see cref="ConvolutionOptions.Default"/>) says which paths may run.
    /// </summary>
    public static void Forward<T>(Conv2dGeometry g, ReadOnlyMemory<T> x, ReadOnlyMemory<T> w, ReadOnlyMemory<T> bias, Memory<T> y, Memory<T> columns = default,
        bool relu = false, ConvolutionOptions? options = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(g, x.Length, w.Length, y.Length);
        if (!bias.IsEmpty && bias.Length != g.OutChannels) throw new ArgumentException($"Bias has {bias.Length} elements, expected {g.OutChannels}.");
        bool cache = !columns.IsEmpty;
        if (cache && columns.Length < ColumnCacheLength<T>(g)) throw new ArgumentException($"Column cache has {columns.Length} elements, needs {ColumnCacheLength<T>(g)}.");
        if (UsesWinograd<T>(g, options))
        {
            Winograd.Forward(g, Cast(x).Span, Cast(w).Span, Cast(bias).Span, Cast(y).Span, relu);
            // Callers that pass a cache get im2col columns (Conv2d asks UsesColumnCache and does not: its weight
            // gradient then runs Winograd or unfolds the columns itself).
            if (cache) FillColumnCache(g, Cast(x), Cast(columns));
            return;
        }
        if (UsesPackedPath<T>())
        {
            ForwardPacked(g, Cast(x), Cast(w), Cast(bias), Cast(y), Cast(columns), relu);
            return;
        }
        // Few samples: spread each sample's GEMM over the threads instead of the samples.
        bool splitGemm = g.Batch < Parallelism.Degree;
        Parallelism.ForChunks(g.Batch, (_, start, end) =>
        {
            var scratch = cache ? default : Scratch<T>.Get(g.ColumnItem).AsSpan(0, g.ColumnItem);
            var ws = w.Span;
            var bs = bias.Span;
            for (int n = start; n < end; n++)
            {
                var col = cache ? columns.Span.Slice(n * g.ColumnItem, g.ColumnItem) : scratch;
                var outN = y.Span.Slice(n * g.OutputItem, g.OutputItem);
                Im2Col(g, x.Span.Slice(n * g.InputItem, g.InputItem), col);
                bool accumulate = !bs.IsEmpty;
                if (accumulate)
                    for (int o = 0; o < g.OutChannels; o++) outN.Slice(o * g.OutPixels, g.OutPixels).Fill(bs[o]);
                if (splitGemm)
                    Gemm.MultiplyParallel<T>(false, false, g.OutChannels, g.OutPixels, g.PatchSize, ws, g.PatchSize, col, g.OutPixels, outN, g.OutPixels, accumulate);
                else
                    Gemm.Multiply<T>(false, false, g.OutChannels, g.OutPixels, g.PatchSize, ws, g.PatchSize, col, g.OutPixels, outN, g.OutPixels, accumulate);
                if (relu) Elementwise.Relu<T>(outN, outN);
            }
        });
    }

    /// <summary>dx = ∂L/∂x (overwritten) from dy [N,Cout,OutH,OutW] and w; <paramref name="options"/> as in <see cref="Forward{T}"/>.</summary>
    public static void BackwardData<T>(Conv2dGeometry g, ReadOnlyMemory<T> dy, ReadOnlyMemory<T> w, Memory<T> dx, ConvolutionOptions? options = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(g, dx.Length, w.Length, dy.Length);
        if (UsesWinograd<T>(g, options) && Winograd.PaysBackwardData(g))
        {
            Winograd.BackwardData(g, Cast(dy).Span, Cast(w).Span, Cast(dx).Span);
            return;
        }
        bool splitGemm = g.Batch < Parallelism.Degree;
        if (!splitGemm && UsesPackedPath<T>())
        {
            BackwardDataPacked(g, Cast(dy), Cast(w), Cast(dx));
            return;
        }
        Parallelism.ForChunks(g.Batch, (_, start, end) =>
        {
            var dcol = Scratch<T>.Get(g.ColumnItem).AsSpan(0, g.ColumnItem);
            for (int n = start; n < end; n++)
            {
                var dyN = dy.Span.Slice(n * g.OutputItem, g.OutputItem);
                // dcol[PatchSize, OutPixels] = wᵀ · dy_n
                if (splitGemm)
                    Gemm.MultiplyParallel<T>(true, false, g.PatchSize, g.OutPixels, g.OutChannels, w.Span, g.PatchSize, dyN, g.OutPixels, dcol, g.OutPixels, false);
                else
                    Gemm.Multiply<T>(true, false, g.PatchSize, g.OutPixels, g.OutChannels, w.Span, g.PatchSize, dyN, g.OutPixels, dcol, g.OutPixels, false);
                var dxN = dx.Span.Slice(n * g.InputItem, g.InputItem);
                dxN.Clear();
                Col2ImAdd(g, dcol, dxN);
            }
        });
    }

    /// <summary>
    /// dw += ∂L/∂w and dbias += ∂L/∂bias (when given) from dy and either the cached im2col
    /// <paramref name="columns"/> of the forward pass or the input <paramref name="x"/>; <paramref name="options"/> as in <see cref="Forward{T}"/>.
    /// </summary>
    /// <remarks>
    /// For float, each weight-gradient element is one long dot product over every sample and output pixel
    /// (Σ_n dy_n·col_nᵀ), and threads split the output channels: every element is summed in the same order
    /// whatever the thread count, so results are bit-identical across thread counts.
    /// </remarks>
    public static void BackwardWeights<T>(Conv2dGeometry g, ReadOnlyMemory<T> x, ReadOnlyMemory<T> columns, ReadOnlyMemory<T> dy, Memory<T> dw, Memory<T> dbias,
        ConvolutionOptions? options = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (dw.Length != g.WeightLength) throw new ArgumentException($"Weight gradient has {dw.Length} elements, expected {g.WeightLength}.");
        if (dy.Length != (long)g.Batch * g.OutputItem) throw new ArgumentException("Output gradient length does not match the geometry.");
        bool cached = !columns.IsEmpty;
        if (cached ? columns.Length < ColumnCacheLength<T>(g) : x.Length != (long)g.Batch * g.InputItem)
            throw new ArgumentException("Need the input or its full im2col cache.");
        if (!dbias.IsEmpty && dbias.Length != g.OutChannels) throw new ArgumentException($"Bias gradient has {dbias.Length} elements, expected {g.OutChannels}.");
        if (g.Batch == 0) return;
        if (!cached && UsesWinograd<T>(g, options) && Winograd.PaysBackwardWeights(g))
        {
            Winograd.BackwardWeights(g, Cast(x).Span, Cast(dy).Span, Cast(dw).Span);
            if (!dbias.IsEmpty) SumChannelsParallel(g, Cast(dy), Cast(dbias));
            return;
        }
        if (UsesPackedPath<T>())
        {
            BackwardWeightsPacked(g, Cast(x), Cast(columns), Cast(dy), Cast(dw), Cast(dbias));
            return;
        }
        if (!cached)
        {
            var all = new T[(long)g.Batch * g.ColumnItem];
            for (int n = 0; n < g.Batch; n++)
                Im2Col(g, x.Span.Slice(n * g.InputItem, g.InputItem), all.AsSpan(n * g.ColumnItem, g.ColumnItem));
            columns = all;
        }
        // Other types and scalar-only machines: sample after sample on one thread, a fixed order as well.
        var dws = dw.Span;
        for (int n = 0; n < g.Batch; n++)
        {
            // dw[Cout, PatchSize] += dy_n[Cout, OutPixels] · col_nᵀ
            Gemm.Multiply<T>(false, true, g.OutChannels, g.PatchSize, g.OutPixels, dy.Span.Slice(n * g.OutputItem, g.OutputItem), g.OutPixels,
                columns.Span.Slice(n * g.ColumnItem, g.ColumnItem), g.OutPixels, dws, g.PatchSize, true);
        }
        if (!dbias.IsEmpty) SumChannels(g, dy.Span, dbias.Span, 0, g.OutChannels);
    }

    // dbias[o] += Σ_n Σ_pixels dy[n,o,·] for channels [o0, o1).
    private static void SumChannels<T>(Conv2dGeometry g, ReadOnlySpan<T> dy, Span<T> dbias, int o0, int o1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int o = o0; o < o1; o++)
        {
            T sum = T.Zero;
            for (int n = 0; n < g.Batch; n++) sum += Sum(dy.Slice(n * g.OutputItem + o * g.OutPixels, g.OutPixels));
            dbias[o] += sum;
        }
    }

    /// <summary>Unfolds one sample x [Cin,H,W] into col [Cin·K·K, OutH·OutW] (row (c,u,v), column (i,j)).</summary>
    public static void Im2Col<T>(Conv2dGeometry g, ReadOnlySpan<T> x, Span<T> col)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int oh = g.OutHeight, ow = g.OutWidth, k = g.Kernel, s = g.Stride, p = g.Padding, h = g.Height, w = g.Width;
        int row = 0;
        for (int c = 0; c < g.InChannels; c++)
        {
            var plane = x.Slice(c * h * w, h * w);
            for (int u = 0; u < k; u++)
                for (int v = 0; v < k; v++, row++)
                {
                    var dst = col.Slice(row * oh * ow, oh * ow);
                    for (int i = 0; i < oh; i++)
                    {
                        int r = i * s + u - p;
                        var drow = dst.Slice(i * ow, ow);
                        if (r < 0 || r >= h) { drow.Clear(); continue; }
                        var srow = plane.Slice(r * w, w);
                        if (s == 1)
                        {
                            int first = v - p;
                            int j0 = Math.Max(0, -first), j1 = Math.Min(ow, w - first);
                            drow[..Math.Max(j0, 0)].Clear();
                            if (j1 > j0) srow.Slice(first + j0, j1 - j0).CopyTo(drow[j0..]);
                            drow[Math.Max(j1, j0)..].Clear();
                            continue;
                        }
                        for (int j = 0; j < ow; j++)
                        {
                            int q = j * s + v - p;
                            drow[j] = q >= 0 && q < w ? srow[q] : T.Zero;
                        }
                    }
                }
        }
    }

    /// <summary>Folds col [Cin·K·K, OutH·OutW] back onto one sample, adding: the adjoint of <see cref="Im2Col{T}"/>.</summary>
    public static void Col2ImAdd<T>(Conv2dGeometry g, ReadOnlySpan<T> col, Span<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int oh = g.OutHeight, ow = g.OutWidth, k = g.Kernel, s = g.Stride, p = g.Padding, h = g.Height, w = g.Width;
        int row = 0;
        for (int c = 0; c < g.InChannels; c++)
        {
            var plane = x.Slice(c * h * w, h * w);
            for (int u = 0; u < k; u++)
                for (int v = 0; v < k; v++, row++)
                {
                    var src = col.Slice(row * oh * ow, oh * ow);
                    for (int i = 0; i < oh; i++)
                    {
                        int r = i * s + u - p;
                        if (r < 0 || r >= h) continue;
                        var srow = src.Slice(i * ow, ow);
                        var drow = plane.Slice(r * w, w);
                        if (s == 1)
                        {
                            // Output columns j map to input column j + v − p; only those inside the row receive anything.
                            int first = v - p;
                            int j0 = Math.Max(0, -first), j1 = Math.Min(ow, w - first);
                            if (j1 > j0) AddInto(srow[j0..j1], drow.Slice(first + j0, j1 - j0));
                            continue;
                        }
                        for (int j = 0; j < ow; j++)
                        {
                            int q = j * s + v - p;
                            if (q >= 0 && q < w) drow[q] += srow[j];
                        }
                    }
                }
        }
    }

    private static ReadOnlyMemory<float> Cast<T>(ReadOnlyMemory<T> m) => (ReadOnlyMemory<float>)(object)m;

    private static Memory<float> Cast<T>(Memory<T> m) => (Memory<float>)(object)m;

    private static void AddInto<T>(ReadOnlySpan<T> src, Span<T> dst) where T : unmanaged, IFloatingPointIeee754<T> =>
        System.Numerics.Tensors.TensorPrimitives.Add<T>(src, dst, dst);

    private static T Sum<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T s = T.Zero;
        foreach (var v in x) s += v;
        return s;
    }

    private static void Check(Conv2dGeometry g, int xLength, int wLength, int yLength)
    {
        g.Validate();
        if (xLength != (long)g.Batch * g.InputItem) throw new ArgumentException($"Input has {xLength} elements, geometry {g} needs {(long)g.Batch * g.InputItem}.");
        if (wLength != g.WeightLength) throw new ArgumentException($"Weight has {wLength} elements, expected {g.WeightLength}.");
        if (yLength != (long)g.Batch * g.OutputItem) throw new ArgumentException($"Output has {yLength} elements, expected {(long)g.Batch * g.OutputItem}.");
    }
}

/// <summary>A per-thread scratch array that grows as needed and is reused across calls.</summary>
internal static class Scratch<T>
{
    [ThreadStatic] private static T[]? t_buffer;

    public static T[] Get(int length)
    {
        var b = t_buffer;
        if (b is null || b.Length < length) t_buffer = b = new T[length];
        return b;
    }
}
