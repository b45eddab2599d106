using System.Numerics;

namespace Mnist.Engine.Kernels.Reference;

/// <summary>
/// Naive scalar versions of <see cref="Pooling"/> (test oracle, benchmark baseline, the <c>double</c> path).
/// Every window cell is visited with an explicit bounds test; padded cells are skipped. Arguments are assumed valid.
/// </summary>
public static class ReferencePooling
{
    /// <summary>Max pooling over [batch, channels, height, width]; see <see cref="Pooling.MaxPool2d{T}"/>.</summary>
    public static void MaxPool2d<T>(ReadOnlySpan<T> x, int batch, int channels, int height, int width, int kernel, int stride, int padding,
        Span<T> y, Span<int> argmax) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int oh = Pooling.OutputSize(height, kernel, stride, padding), ow = Pooling.OutputSize(width, kernel, stride, padding);
        for (int plane = 0; plane < batch * channels; plane++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++)
                {
                    int bestIndex = -1;
                    T best = T.Zero;
                    for (int ki = 0; ki < kernel; ki++)
                        for (int kj = 0; kj < kernel; kj++)
                        {
                            int h = i * stride - padding + ki, w = j * stride - padding + kj;
                            if (h < 0 || h >= height || w < 0 || w >= width)
                                continue;
                            int index = (plane * height + h) * width + w;
                            T v = x[index];
                            // First maximum wins (strict >); the first NaN wins and nothing replaces it.
                            bool better = bestIndex < 0 || (!T.IsNaN(best) && (v > best || T.IsNaN(v)));
                            if (better)
                            {
                                best = v;
                                bestIndex = index;
                            }
                        }
                    int o = (plane * oh + i) * ow + j;
                    y[o] = best;
                    argmax[o] = bestIndex;
                }
    }

    /// <summary>dx[argmax[i]] += dy[i].</summary>
    public static void MaxPool2dBackward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<int> argmax, Span<T> dx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < dy.Length; i++)
            dx[argmax[i]] += dy[i];
    }

    /// <summary>Average pooling; see <see cref="Pooling.AvgPool2d{T}"/>.</summary>
    public static void AvgPool2d<T>(ReadOnlySpan<T> x, int batch, int channels, int height, int width, int kernel, int stride, int padding,
        bool countIncludePad, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int oh = Pooling.OutputSize(height, kernel, stride, padding), ow = Pooling.OutputSize(width, kernel, stride, padding);
        for (int plane = 0; plane < batch * channels; plane++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++)
                {
                    T sum = T.Zero;
                    int count = 0;
                    for (int ki = 0; ki < kernel; ki++)
                        for (int kj = 0; kj < kernel; kj++)
                        {
                            int h = i * stride - padding + ki, w = j * stride - padding + kj;
                            if (h < 0 || h >= height || w < 0 || w >= width)
                                continue;
                            sum += x[(plane * height + h) * width + w];
                            count++;
                        }
                    int divisor = countIncludePad ? kernel * kernel : count;
                    y[(plane * oh + i) * ow + j] = sum / T.CreateChecked(divisor);
                }
    }
}
