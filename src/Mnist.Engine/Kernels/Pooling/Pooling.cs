using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Mnist.Engine.Kernels.Common;
using Mnist.Engine.Kernels.Reference;

namespace Mnist.Engine.Kernels;

/// <summary>
/// 2-D max and average pooling over NCHW tensors with a square kernel, a stride and symmetric zero padding
/// (PyTorch <c>MaxPool2d</c>/<c>AvgPool2d</c> with <c>ceil_mode=False</c>, dilation 1). Output size per axis is
/// <c>floor((size + 2·padding - kernel) / stride) + 1</c>.
/// </summary>
/// <remarks>
/// Windows do not line up with vector lanes for general kernel/stride, so the float path is scalar: it clips each
/// window to the image once instead of testing every cell, and splits the batch·channel planes over threads
/// (planes are independent, so results do not depend on the thread count). Other T use <see cref="ReferencePooling"/>.
/// </remarks>
public static partial class Pooling
{
    // Below this many input elements per thread, thread start-up costs more than it saves.
    private const int MinElementsPerChunk = 32 * 1024;

    /// <summary>Output length along one axis: floor((size + 2·padding - kernel) / stride) + 1 (may be ≤ 0 for too small inputs).</summary>
    /// <exception cref="ArgumentOutOfRangeException">size or padding is negative, or kernel or stride is less than 1.</exception>
    public static int OutputSize(int size, int kernel, int stride, int padding)
    {
        SpanChecks.RequireAtLeast(size, 0, nameof(size));
        SpanChecks.RequireAtLeast(kernel, 1, nameof(kernel));
        SpanChecks.RequireAtLeast(stride, 1, nameof(stride));
        SpanChecks.RequireAtLeast(padding, 0, nameof(padding));
        int span = size + 2 * padding - kernel;
        // Floor division (C# / truncates toward zero, which would round a negative span up).
        return (span < 0 ? -((-span + stride - 1) / stride) : span / stride) + 1;
    }

    /// <summary>
    /// Max pooling: y[n,c,i,j] = max over the window of x[n,c,·,·], with argmax[n,c,i,j] the flat index into
    /// <paramref name="x"/> of that maximum (for <see cref="MaxPool2dBackward{T}(ReadOnlySpan{T}, ReadOnlySpan{int}, Span{T})"/>).
    /// </summary>
    /// <param name="x">Input [batch, channels, height, width].</param>
    /// <param name="batch">N ≥ 0.</param>
    /// <param name="channels">C ≥ 0.</param>
    /// <param name="height">H ≥ 0.</param>
    /// <param name="width">W ≥ 0.</param>
    /// <param name="kernel">Square window side ≥ 1.</param>
    /// <param name="stride">Step between windows ≥ 1.</param>
    /// <param name="padding">Implicit border on each side, 0 ≤ padding ≤ kernel/2.</param>
    /// <param name="y">Output [batch, channels, outH, outW].</param>
    /// <param name="argmax">Same shape as <paramref name="y"/>.</param>
    /// <remarks>
    /// Padded cells never win (they are skipped, not treated as zeros or -∞). Among equal maxima the first in
    /// row-major window order wins. NaN propagates: a NaN input is the maximum (the first NaN in window order).
    /// </remarks>
    /// <exception cref="ArgumentException">Bad geometry (padding &gt; kernel/2, empty output) or span lengths that do not match it.</exception>
    public static void MaxPool2d<T>(ReadOnlySpan<T> x, int batch, int channels, int height, int width, int kernel, int stride, int padding,
        Span<T> y, Span<int> argmax) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = Geometry.Create(batch, channels, height, width, kernel, stride, padding);
        SpanChecks.RequireLength(x.Length, g.InputLength, nameof(x), "batch·channels·height·width");
        SpanChecks.RequireLength(y.Length, g.OutputLength, nameof(y), $"batch·channels·{g.OutHeight}·{g.OutWidth}");
        SpanChecks.RequireLength(argmax.Length, g.OutputLength, nameof(argmax), "one per output");
        SpanChecks.RequireNoPartialOverlap(x, y, nameof(x), nameof(y));
        if (typeof(T) != typeof(float))
        {
            ReferencePooling.MaxPool2d(x, batch, channels, height, width, kernel, stride, padding, y, argmax);
            return;
        }
        if (IsHalving(g) && Vector256.IsHardwareAccelerated)
            MaxPool2x2(g.Batch * g.Channels, g.Height, g.Width, MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(y), argmax);
        else
            ForPlanes(g, MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(y), argmax, averageIncludePad: null);
    }

    /// <summary>dx[argmax[i]] += dy[i]: routes each output gradient to the input cell that won the forward max.</summary>
    /// <remarks>Accumulates; the caller zeroes <paramref name="dx"/>. Runs in output order on one thread
    /// (overlapping windows may share a winner, so a parallel scatter would race).</remarks>
    /// <exception cref="ArgumentException">Lengths of dy and argmax differ, or an argmax index is outside dx.</exception>
    public static void MaxPool2dBackward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<int> argmax, Span<T> dx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanChecks.RequireSameLength(dy.Length, argmax.Length, nameof(dy), nameof(argmax));
        for (int i = 0; i < argmax.Length; i++)
        {
            if ((uint)argmax[i] >= (uint)dx.Length)
                throw new ArgumentException($"argmax[{i}] = {argmax[i]} is outside dx (length {dx.Length}).", nameof(argmax));
        }
        // A scatter has nothing to vectorise; the reference loop is already the float path.
        ReferencePooling.MaxPool2dBackward(dy, argmax, dx);
    }

    /// <summary>
    /// dx = ∂L/∂x (overwritten, not accumulated) of <see cref="MaxPool2d{T}"/> with this geometry: each input cell gets
    /// the sum of dy over the windows it won, every other cell 0. Equal to zeroing dx and calling the accumulating overload.
    /// </summary>
    /// <remarks>The 2×2 stride-2 unpadded pool (windows never overlap) writes each cell once in parallel over the planes,
    /// without the separate zeroing pass; other geometries zero dx and scatter on one thread.</remarks>
    /// <exception cref="ArgumentException">Bad geometry, span lengths that do not match it, or an argmax index outside its window
    /// (2×2 pool) or outside dx.</exception>
    public static void MaxPool2dBackward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<int> argmax, Span<T> dx,
        int batch, int channels, int height, int width, int kernel, int stride, int padding) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = Geometry.Create(batch, channels, height, width, kernel, stride, padding);
        SpanChecks.RequireLength(dx.Length, g.InputLength, nameof(dx), "batch·channels·height·width");
        SpanChecks.RequireLength(dy.Length, g.OutputLength, nameof(dy), $"batch·channels·{g.OutHeight}·{g.OutWidth}");
        SpanChecks.RequireLength(argmax.Length, g.OutputLength, nameof(argmax), "one per output");
        if (typeof(T) == typeof(float) && IsHalving(g) && Vector256.IsHardwareAccelerated)
        {
            MaxPool2x2Backward(g.Batch * g.Channels, g.Height, g.Width, MemoryMarshal.Cast<T, float>(dy), argmax, MemoryMarshal.Cast<T, float>(dx));
            return;
        }
        dx.Clear();
        MaxPool2dBackward(dy, argmax, dx);
    }

    /// <summary>Average pooling (forward only, for ONNX AveragePool): y = Σ window / divisor.</summary>
    /// <param name="x">Input [batch, channels, height, width].</param>
    /// <param name="batch">N ≥ 0.</param>
    /// <param name="channels">C ≥ 0.</param>
    /// <param name="height">H ≥ 0.</param>
    /// <param name="width">W ≥ 0.</param>
    /// <param name="kernel">Square window side ≥ 1.</param>
    /// <param name="stride">Step between windows ≥ 1.</param>
    /// <param name="padding">Implicit border on each side, 0 ≤ padding ≤ kernel/2.</param>
    /// <param name="countIncludePad">Divisor is kernel² when true (padded zeros count), else the number of real cells in the window.</param>
    /// <param name="y">Output [batch, channels, outH, outW].</param>
    /// <remarks>NaN in a window makes that output NaN.</remarks>
    /// <exception cref="ArgumentException">Bad geometry or span lengths that do not match it.</exception>
    public static void AvgPool2d<T>(ReadOnlySpan<T> x, int batch, int channels, int height, int width, int kernel, int stride, int padding,
        bool countIncludePad, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = Geometry.Create(batch, channels, height, width, kernel, stride, padding);
        SpanChecks.RequireLength(x.Length, g.InputLength, nameof(x), "batch·channels·height·width");
        SpanChecks.RequireLength(y.Length, g.OutputLength, nameof(y), $"batch·channels·{g.OutHeight}·{g.OutWidth}");
        SpanChecks.RequireNoPartialOverlap(x, y, nameof(x), nameof(y));
        if (typeof(T) != typeof(float))
        {
            ReferencePooling.AvgPool2d(x, batch, channels, height, width, kernel, stride, padding, countIncludePad, y);
            return;
        }
        ForPlanes(g, MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(y), [], countIncludePad);
    }

    // Runs one plane kernel per batch·channel plane, split over threads when there is enough work.
    // averageIncludePad == null selects max pooling.
    private static unsafe void ForPlanes(Geometry g, ReadOnlySpan<float> x, Span<float> y, Span<int> argmax, bool? averageIncludePad)
    {
        int planes = g.Batch * g.Channels;
        int planeIn = g.Height * g.Width, planeOut = g.OutHeight * g.OutWidth;
        fixed (float* xp0 = x, yp0 = y)
        fixed (int* ap0 = argmax)
        {
            // Lambdas cannot capture spans or fixed locals; plain pointer copies are fine while we stay inside fixed.
            float* xp = xp0, yp = yp0;
            int* ap = ap0;
            Parallelism.ForChunks(planes, (_, start, end) =>
            {
                for (int p = start; p < end; p++)
                {
                    var xs = new ReadOnlySpan<float>(xp + (long)p * planeIn, planeIn);
                    var ys = new Span<float>(yp + (long)p * planeOut, planeOut);
                    if (averageIncludePad is bool includePad)
                        AvgPlane(g, xs, ys, includePad);
                    else
                        MaxPlane(g, xs, ys, new Span<int>(ap + (long)p * planeOut, planeOut), p * planeIn);
                }
            }, minItemsPerChunk: Math.Max(1, MinElementsPerChunk / Math.Max(1, planeIn)));
        }
    }

    private static void MaxPlane(Geometry g, ReadOnlySpan<float> x, Span<float> y, Span<int> argmax, int planeOffset)
    {
        int o = 0;
        for (int i = 0; i < g.OutHeight; i++)
        {
            // Clip the window to the image once per row/column instead of testing each cell.
            int h0 = Math.Max(i * g.Stride - g.Padding, 0), h1 = Math.Min(i * g.Stride - g.Padding + g.Kernel, g.Height);
            for (int j = 0; j < g.OutWidth; j++, o++)
            {
                int w0 = Math.Max(j * g.Stride - g.Padding, 0), w1 = Math.Min(j * g.Stride - g.Padding + g.Kernel, g.Width);
                int bestIndex = h0 * g.Width + w0;
                float best = x[bestIndex];
                for (int h = h0; h < h1; h++)
                {
                    ReadOnlySpan<float> row = x.Slice(h * g.Width, g.Width);
                    for (int w = w0; w < w1; w++)
                    {
                        float v = row[w];
                        // Strict > keeps the first maximum; a NaN replaces a number once and is never replaced.
                        if (v > best || (float.IsNaN(v) && !float.IsNaN(best)))
                        {
                            best = v;
                            bestIndex = h * g.Width + w;
                        }
                    }
                }
                y[o] = best;
                argmax[o] = planeOffset + bestIndex;
            }
        }
    }

    private static void AvgPlane(Geometry g, ReadOnlySpan<float> x, Span<float> y, bool countIncludePad)
    {
        int o = 0;
        for (int i = 0; i < g.OutHeight; i++)
        {
            int h0 = Math.Max(i * g.Stride - g.Padding, 0), h1 = Math.Min(i * g.Stride - g.Padding + g.Kernel, g.Height);
            for (int j = 0; j < g.OutWidth; j++, o++)
            {
                int w0 = Math.Max(j * g.Stride - g.Padding, 0), w1 = Math.Min(j * g.Stride - g.Padding + g.Kernel, g.Width);
                float sum = 0f;
                for (int h = h0; h < h1; h++)
                {
                    ReadOnlySpan<float> row = x.Slice(h * g.Width, g.Width);
                    for (int w = w0; w < w1; w++)
                        sum += row[w];
                }
                int divisor = countIncludePad ? g.Kernel * g.Kernel : (h1 - h0) * (w1 - w0);
                y[o] = sum / divisor;
            }
        }
    }

    /// <summary>Validated pooling geometry.</summary>
    private readonly record struct Geometry(int Batch, int Channels, int Height, int Width, int Kernel, int Stride, int Padding,
        int OutHeight, int OutWidth)
    {
        public int InputLength => SpanChecks.Product(Batch, Channels, Height, Width);

        public int OutputLength => SpanChecks.Product(Batch, Channels, OutHeight, OutWidth);

        public static Geometry Create(int batch, int channels, int height, int width, int kernel, int stride, int padding)
        {
            SpanChecks.RequireAtLeast(batch, 0, nameof(batch));
            SpanChecks.RequireAtLeast(channels, 0, nameof(channels));
            int oh = OutputSize(height, kernel, stride, padding), ow = OutputSize(width, kernel, stride, padding);
            // As in PyTorch: more padding would allow windows made only of padding.
            if (padding > kernel / 2)
                throw new ArgumentOutOfRangeException(nameof(padding), padding, $"Padding must be at most kernel/2 = {kernel / 2}.");
            if (oh < 1 || ow < 1)
                throw new ArgumentException($"A {height}x{width} input is smaller than the {kernel}x{kernel} kernel with padding {padding}.", nameof(kernel));
            return new Geometry(batch, channels, height, width, kernel, stride, padding, oh, ow);
        }
    }
}
