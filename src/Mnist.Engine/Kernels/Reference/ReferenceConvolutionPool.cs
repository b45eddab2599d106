using System.Numerics;

namespace Mnist.Engine.Kernels.Reference;

/// <summary>
/// Convolution (stride 1, no padding) → ReLU → 2×2 stride-2 max pool as one operation, straight from the definitions
/// of the three layers. The oracle for <see cref="Convolution.ForwardReluMaxPool"/>,
/// <see cref="Convolution.BackwardWeightsReluMaxPool"/> and <see cref="Convolution.BackwardReluMaxPool"/>; never optimized.
/// </summary>
public static class ReferenceConvolutionPool
{
    /// <summary>
    /// pooled[n,o,i,j] = max over the window's four cells (top-left, top-right, bottom-left, bottom-right) of
    /// relu(conv(x, w) + bias) (each sum a chain of fused multiply-adds over
    /// (input channel, kernel row, kernel column), starting from the bias), the first maximum winning and a NaN winning over numbers, as
    /// <see cref="ReferencePooling.MaxPool2d{T}"/>. corners[n,o,i,j] is the winning cell 0-3, or
    /// <see cref="Convolution.NoCorner"/> when the pooled value is not positive (its gradient is masked, as the ReLU's
    /// would be).
    /// </summary>
    public static void Forward<T>(Conv2dGeometry g, ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> bias, Span<T> pooled, Span<int> corners)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int ph = g.OutHeight / 2, pw = g.OutWidth / 2;
        for (int n = 0; n < g.Batch; n++)
            for (int o = 0; o < g.OutChannels; o++)
                for (int i = 0; i < ph; i++)
                    for (int j = 0; j < pw; j++)
                    {
                        T best = T.Zero;
                        int corner = 0;
                        for (int c = 0; c < 4; c++)
                        {
                            T sum = bias.IsEmpty ? T.Zero : bias[o];
                            for (int ci = 0; ci < g.InChannels; ci++)
                                for (int u = 0; u < g.Kernel; u++)
                                    for (int v = 0; v < g.Kernel; v++)
                                        sum = T.FusedMultiplyAdd(x[((n * g.InChannels + ci) * g.Height + 2 * i + (c >> 1) + u) * g.Width + 2 * j + (c & 1) + v],
                                            w[((o * g.InChannels + ci) * g.Kernel + u) * g.Kernel + v], sum);
                            T r = sum <= T.Zero ? T.Zero : sum;
                            if (c == 0 || r > best || (T.IsNaN(r) && !T.IsNaN(best)))
                            {
                                best = r;
                                corner = c;
                            }
                        }
                        int index = ((n * g.OutChannels + o) * ph + i) * pw + j;
                        pooled[index] = best;
                        corners[index] = best > T.Zero ? corner : Convolution.NoCorner;
                    }
    }

    /// <summary>
    /// dw += ∂L/∂w and dbias += ∂L/∂b (when not empty) given the pooled output's gradient and the corners of
    /// <see cref="Forward{T}"/>: each pooled gradient goes to the one convolution output its window chose.
    /// </summary>
    public static void BackwardWeights<T>(Conv2dGeometry g, ReadOnlySpan<T> x, ReadOnlySpan<T> pooledGrad, ReadOnlySpan<int> corners, Span<T> dw, Span<T> dbias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int ph = g.OutHeight / 2, pw = g.OutWidth / 2;
        for (int n = 0; n < g.Batch; n++)
            for (int o = 0; o < g.OutChannels; o++)
                for (int i = 0; i < ph; i++)
                    for (int j = 0; j < pw; j++)
                    {
                        int index = ((n * g.OutChannels + o) * ph + i) * pw + j;
                        int corner = corners[index];
                        T d = pooledGrad[index];
                        if (!dbias.IsEmpty && corner != Convolution.NoCorner) dbias[o] += d;
                        for (int c = 0; c < 4; c++)
                        {
                            // Every cell of the window, the gradient being zero in the three not chosen, as the
                            // separate layers compute it: an infinite or NaN input in a window makes dw NaN there too.
                            T dc = c == corner ? d : T.Zero;
                            for (int ci = 0; ci < g.InChannels; ci++)
                                for (int u = 0; u < g.Kernel; u++)
                                    for (int v = 0; v < g.Kernel; v++)
                                        dw[((o * g.InChannels + ci) * g.Kernel + u) * g.Kernel + v] +=
                                            dc * x[((n * g.InChannels + ci) * g.Height + 2 * i + (c >> 1) + u) * g.Width + 2 * j + (c & 1) + v];
                        }
                    }
    }

    /// <summary>
    /// dx = ∂L/∂x (overwritten) given the pooled output's gradient and the corners of <see cref="Forward{T}"/>: the
    /// convolution's input gradient from an output gradient that is the pooled gradient at each window's chosen cell and
    /// zero elsewhere (zero too where the window is masked).
    /// </summary>
    public static void BackwardData<T>(Conv2dGeometry g, ReadOnlySpan<T> w, ReadOnlySpan<T> pooledGrad, ReadOnlySpan<int> corners, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int ph = g.OutHeight / 2, pw = g.OutWidth / 2;
        dx.Clear();
        for (int n = 0; n < g.Batch; n++)
            for (int o = 0; o < g.OutChannels; o++)
                for (int i = 0; i < ph; i++)
                    for (int j = 0; j < pw; j++)
                    {
                        int index = ((n * g.OutChannels + o) * ph + i) * pw + j;
                        int corner = corners[index];
                        T d = pooledGrad[index];
                        for (int c = 0; c < 4; c++)
                        {
                            // Every cell, as the separate layers compute it: an infinite or NaN weight makes dx NaN there too.
                            T dc = c == corner ? d : T.Zero;
                            for (int ci = 0; ci < g.InChannels; ci++)
                                for (int u = 0; u < g.Kernel; u++)
                                    for (int v = 0; v < g.Kernel; v++)
                                        dx[((n * g.InChannels + ci) * g.Height + 2 * i + (c >> 1) + u) * g.Width + 2 * j + (c & 1) + v] +=
                                            dc * w[((o * g.InChannels + ci) * g.Kernel + u) * g.Kernel + v];
                        }
                    }
    }
}
