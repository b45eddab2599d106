using System.Numerics;

namespace Mnist.Engine.Kernels.Reference;

/// <summary>
/// Winograd F(4×4, 3×3) written as the matrix products of its definition, Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A summed over
/// input channels, tile by tile. The oracle for <see cref="Winograd"/>'s transforms (in double it agrees with
/// <see cref="ReferenceConvolution"/> to rounding, which checks the matrices); never optimized.
/// </summary>
public static class ReferenceWinograd
{
    // Interpolation points 0, 1, −1, 2, −2 and ∞ (Lavin and Gray 2015, F(4,3)).
    private static readonly double[,] s_bt =
    {
        { 4, 0, -5, 0, 1, 0 },
        { 0, -4, -4, 1, 1, 0 },
        { 0, 4, -4, -1, 1, 0 },
        { 0, -2, -1, 2, 1, 0 },
        { 0, 2, -1, -2, 1, 0 },
        { 0, 4, 0, -5, 0, 1 },
    };

    private static readonly double[,] s_g =
    {
        { 1.0 / 4, 0, 0 },
        { -1.0 / 6, -1.0 / 6, -1.0 / 6 },
        { -1.0 / 6, 1.0 / 6, -1.0 / 6 },
        { 1.0 / 24, 1.0 / 12, 1.0 / 6 },
        { 1.0 / 24, -1.0 / 12, 1.0 / 6 },
        { 0, 0, 1 },
    };

    private static readonly double[,] s_at =
    {
        { 1, 1, 1, 1, 1, 0 },
        { 0, 1, -1, 2, -2, 0 },
        { 0, 1, 1, 4, 4, 0 },
        { 0, 1, -1, 8, -8, 1 },
    };

    /// <summary>y = conv(x, w) + bias for a 3×3 stride-1 geometry (any padding); shapes as <see cref="ReferenceConvolution.Forward{T}"/>.</summary>
    public static void Forward<T>(Conv2dGeometry g, ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> bias, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (g.Kernel != 3 || g.Stride != 1) throw new ArgumentException("F(4x4,3x3) needs a 3x3 stride-1 convolution.");
        var bt = Cast<T>(s_bt);
        var gm = Cast<T>(s_g);
        var at = Cast<T>(s_at);
        var u = new T[g.OutChannels, g.InChannels][,];
        for (int o = 0; o < g.OutChannels; o++)
            for (int c = 0; c < g.InChannels; c++)
            {
                var f = new T[3, 3];
                for (int i = 0; i < 3; i++)
                    for (int j = 0; j < 3; j++) f[i, j] = w[((o * g.InChannels + c) * 3 + i) * 3 + j];
                u[o, c] = Multiply(Multiply(gm, f), Transpose(gm));
            }
        for (int n = 0; n < g.Batch; n++)
            for (int ty = 0; ty < g.OutHeight; ty += 4)
                for (int tx = 0; tx < g.OutWidth; tx += 4)
                {
                    var v = new T[g.InChannels][,];
                    for (int c = 0; c < g.InChannels; c++)
                    {
                        var d = new T[6, 6];
                        for (int i = 0; i < 6; i++)
                            for (int j = 0; j < 6; j++)
                            {
                                int r = ty + i - g.Padding, q = tx + j - g.Padding;
                                d[i, j] = r >= 0 && r < g.Height && q >= 0 && q < g.Width ? x[((n * g.InChannels + c) * g.Height + r) * g.Width + q] : T.Zero;
                            }
                        v[c] = Multiply(Multiply(bt, d), Transpose(bt));
                    }
                    for (int o = 0; o < g.OutChannels; o++)
                    {
                        var m = new T[6, 6];
                        for (int c = 0; c < g.InChannels; c++)
                            for (int i = 0; i < 6; i++)
                                for (int j = 0; j < 6; j++) m[i, j] += u[o, c][i, j] * v[c][i, j];
                        var tile = Multiply(Multiply(at, m), Transpose(at));
                        for (int i = 0; i < 4 && ty + i < g.OutHeight; i++)
                            for (int j = 0; j < 4 && tx + j < g.OutWidth; j++)
                                y[((n * g.OutChannels + o) * g.OutHeight + ty + i) * g.OutWidth + tx + j] = tile[i, j] + (bias.IsEmpty ? T.Zero : bias[o]);
                    }
                }
    }

    private static T[,] Cast<T>(double[,] a) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var r = new T[a.GetLength(0), a.GetLength(1)];
        for (int i = 0; i < a.GetLength(0); i++)
            for (int j = 0; j < a.GetLength(1); j++) r[i, j] = T.CreateChecked(a[i, j]);
        return r;
    }

    private static T[,] Transpose<T>(T[,] a)
    {
        var r = new T[a.GetLength(1), a.GetLength(0)];
        for (int i = 0; i < a.GetLength(0); i++)
            for (int j = 0; j < a.GetLength(1); j++) r[j, i] = a[i, j];
        return r;
    }

    private static T[,] Multiply<T>(T[,] a, T[,] b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var r = new T[a.GetLength(0), b.GetLength(1)];
        for (int i = 0; i < a.GetLength(0); i++)
            for (int j = 0; j < b.GetLength(1); j++)
            {
                T s = T.Zero;
                for (int k = 0; k < a.GetLength(1); k++) s += a[i, k] * b[k, j];
                r[i, j] = s;
            }
        return r;
    }
}
