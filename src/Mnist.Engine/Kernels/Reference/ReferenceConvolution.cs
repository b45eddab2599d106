using System.Numerics;

namespace Mnist.Engine.Kernels.Reference;

/// <summary>
/// Direct convolution loops straight from the definition (cross-correlation, as PyTorch's Conv2d).
/// The oracle for <see cref="Convolution"/>; never optimized.
/// </summary>
public static class ReferenceConvolution
{
    /// <summary>y[n,o,i,j] = b[o] + Σ_{c,u,v} x[n,c,i·s+u−p,j·s+v−p]·w[o,c,u,v] (out-of-range x is 0).</summary>
    public static void Forward<T>(Conv2dGeometry g, ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> bias, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int n = 0; n < g.Batch; n++)
            for (int o = 0; o < g.OutChannels; o++)
                for (int i = 0; i < g.OutHeight; i++)
                    for (int j = 0; j < g.OutWidth; j++)
                    {
                        T sum = bias.IsEmpty ? T.Zero : bias[o];
                        for (int c = 0; c < g.InChannels; c++)
                            for (int u = 0; u < g.Kernel; u++)
                                for (int v = 0; v < g.Kernel; v++)
                                {
                                    int r = i * g.Stride + u - g.Padding, s = j * g.Stride + v - g.Padding;
                                    if (r < 0 || r >= g.Height || s < 0 || s >= g.Width) continue;
                                    sum += x[((n * g.InChannels + c) * g.Height + r) * g.Width + s] * w[((o * g.InChannels + c) * g.Kernel + u) * g.Kernel + v];
                                }
                        y[((n * g.OutChannels + o) * g.OutHeight + i) * g.OutWidth + j] = sum;
                    }
    }

    /// <summary>dx = ∂L/∂x (overwritten) given dy = ∂L/∂y.</summary>
    public static void BackwardData<T>(Conv2dGeometry g, ReadOnlySpan<T> dy, ReadOnlySpan<T> w, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        dx.Clear();
        for (int n = 0; n < g.Batch; n++)
            for (int o = 0; o < g.OutChannels; o++)
                for (int i = 0; i < g.OutHeight; i++)
                    for (int j = 0; j < g.OutWidth; j++)
                    {
                        T d = dy[((n * g.OutChannels + o) * g.OutHeight + i) * g.OutWidth + j];
                        for (int c = 0; c < g.InChannels; c++)
                            for (int u = 0; u < g.Kernel; u++)
                                for (int v = 0; v < g.Kernel; v++)
                                {
                                    int r = i * g.Stride + u - g.Padding, s = j * g.Stride + v - g.Padding;
                                    if (r < 0 || r >= g.Height || s < 0 || s >= g.Width) continue;
                                    dx[((n * g.InChannels + c) * g.Height + r) * g.Width + s] += d * w[((o * g.InChannels + c) * g.Kernel + u) * g.Kernel + v];
                                }
                    }
    }

    /// <summary>dw += ∂L/∂w and dbias += ∂L/∂b (when not empty) given dy.</summary>
    public static void BackwardWeights<T>(Conv2dGeometry g, ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dw, Span<T> dbias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int n = 0; n < g.Batch; n++)
            for (int o = 0; o < g.OutChannels; o++)
                for (int i = 0; i < g.OutHeight; i++)
                    for (int j = 0; j < g.OutWidth; j++)
                    {
                        T d = dy[((n * g.OutChannels + o) * g.OutHeight + i) * g.OutWidth + j];
                        if (!dbias.IsEmpty) dbias[o] += d;
                        for (int c = 0; c < g.InChannels; c++)
                            for (int u = 0; u < g.Kernel; u++)
                                for (int v = 0; v < g.Kernel; v++)
                                {
                                    int r = i * g.Stride + u - g.Padding, s = j * g.Stride + v - g.Padding;
                                    if (r < 0 || r >= g.Height || s < 0 || s >= g.Width) continue;
                                    dw[((o * g.InChannels + c) * g.Kernel + u) * g.Kernel + v] += d * x[((n * g.InChannels + c) * g.Height + r) * g.Width + s];
                                }
                    }
    }
}
