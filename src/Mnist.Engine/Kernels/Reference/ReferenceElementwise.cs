using System.Numerics;

namespace Mnist.Engine.Kernels.Reference;

/// <summary>
/// Naive scalar versions of <see cref="Elementwise"/>: the test oracle for the SIMD kernels, the benchmark
/// baseline, and the implementation used for <c>double</c>. Deliberately never optimised: one plain loop per
/// formula, in index order. Arguments are assumed valid (the public kernels validate before calling).
/// </summary>
public static class ReferenceElementwise
{
    /// <summary>y = max(x, 0); NaN stays NaN, -0 becomes +0.</summary>
    public static void Relu<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++)
            y[i] = T.IsNaN(x[i]) ? x[i] : (x[i] > T.Zero ? x[i] : T.Zero);
    }

    /// <summary>dx = y &gt; 0 ? dy : 0.</summary>
    public static void ReluBackward<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < y.Length; i++)
            dx[i] = y[i] > T.Zero ? dy[i] : T.Zero;
    }

    /// <summary>y = a + b.</summary>
    public static void Add<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < a.Length; i++)
            y[i] = a[i] + b[i];
    }

    /// <summary>y = a · b.</summary>
    public static void Multiply<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < a.Length; i++)
            y[i] = a[i] * b[i];
    }

    /// <summary>y += alpha · x.</summary>
    public static void Axpy<T>(T alpha, ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++)
            y[i] = (alpha * x[i]) + y[i];
    }

    /// <summary>x *= alpha.</summary>
    public static void Scale<T>(T alpha, Span<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++)
            x[i] = alpha * x[i];
    }

    /// <summary>y = tanh x.</summary>
    public static void Tanh<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++)
            y[i] = T.Tanh(x[i]);
    }

    /// <summary>y = 1 / (1 + e^-x).</summary>
    public static void Sigmoid<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++)
            y[i] = T.One / (T.One + T.Exp(-x[i]));
    }

    /// <summary>Σ x, left to right.</summary>
    public static T Sum<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T s = T.Zero;
        for (int i = 0; i < x.Length; i++)
            s += x[i];
        return s;
    }

    /// <summary>max x (NaN if any element is NaN); x must not be empty.</summary>
    public static T Max<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T m = x[0];
        for (int i = 1; i < x.Length; i++)
            m = T.Max(m, x[i]);
        return m;
    }

    /// <summary>Σ a·b, left to right.</summary>
    public static T Dot<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T s = T.Zero;
        for (int i = 0; i < a.Length; i++)
            s += a[i] * b[i];
        return s;
    }

    /// <summary>Σ x², left to right.</summary>
    public static T SumOfSquares<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T s = T.Zero;
        for (int i = 0; i < x.Length; i++)
            s += x[i] * x[i];
        return s;
    }

    /// <summary>y[n,c,s] += bias[c] for y of shape [batch, channels, spatial].</summary>
    public static void AddChannelBias<T>(Span<T> y, ReadOnlySpan<T> bias, int batch, int channels, int spatial) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int n = 0; n < batch; n++)
            for (int c = 0; c < channels; c++)
                for (int s = 0; s < spatial; s++)
                    y[((n * channels) + c) * spatial + s] += bias[c];
    }

    /// <summary>sums[c] += Σ_{n,s} dy[n,c,s] for dy of shape [batch, channels, spatial].</summary>
    public static void AccumulateChannelSums<T>(ReadOnlySpan<T> dy, Span<T> sums, int batch, int channels, int spatial) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int c = 0; c < channels; c++)
        {
            T s = T.Zero;
            for (int n = 0; n < batch; n++)
                for (int k = 0; k < spatial; k++)
                    s += dy[((n * channels) + c) * spatial + k];
            sums[c] += s;
        }
    }

    /// <summary>y[r,c] += bias[c] for y of shape [rows, cols].</summary>
    public static void AddRowBias<T>(Span<T> y, ReadOnlySpan<T> bias, int rows, int cols) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                y[r * cols + c] += bias[c];
    }

    /// <summary>sums[c] += Σ_r dy[r,c] for dy of shape [rows, cols].</summary>
    public static void AccumulateColumnSums<T>(ReadOnlySpan<T> dy, Span<T> sums, int rows, int cols) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int c = 0; c < cols; c++)
        {
            T s = T.Zero;
            for (int r = 0; r < rows; r++)
                s += dy[r * cols + c];
            sums[c] += s;
        }
    }
}
