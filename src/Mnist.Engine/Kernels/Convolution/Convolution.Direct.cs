using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Mnist.Engine.Kernels.Common;

namespace Mnist.Engine.Kernels;

// A first layer sees one input channel, so im2col + GEMM multiplies a [Cout, 9] matrix by a [9, pixels] one:
// depth 9 leaves the GEMM loading and storing its accumulator tile for every 9 multiply-adds, and the im2col
// copy costs as much as the product. Here each output row segment is computed in registers instead: the nine
// shifted input vectors of a segment are loaded once and reused for every output channel.
public static partial class Convolution
{
    /// <summary>
    /// True when <see cref="ForwardSingleChannel"/> handles the geometry: one input channel, a 3×3 kernel,
    /// stride 1 and no padding (the first layer of the seed and lenet networks).
    /// </summary>
    public static bool IsSingleChannel3x3(Conv2dGeometry g) =>
        g.InChannels == 1 && g.Kernel == 3 && g.Stride == 1 && g.Padding == 0;

    /// <summary>
    /// y = conv(x, w) + bias (rectified when <paramref name="relu"/>) for a geometry where
    /// <see cref="IsSingleChannel3x3"/> holds: x [N,1,H,W], w [Cout,1,3,3], bias [Cout] or empty, y [N,Cout,H−2,W−2].
    /// Each output is (((bias + x₀w₀) + x₁w₁) + …) + x₈w₈ in window order, without fused multiply-adds, so every
    /// vector width gives the same bits. Samples are split over threads.
    /// </summary>
    /// <exception cref="ArgumentException">Another geometry, or a span that does not match it.</exception>
    public static unsafe void ForwardSingleChannel(Conv2dGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y, bool relu = false)
    {
        if (!IsSingleChannel3x3(g)) throw new ArgumentException($"Direct single-channel convolution needs Cin 1, 3×3, stride 1, no padding; got {g}.");
        Check(g, x.Length, w.Length, y.Length);
        if (!bias.IsEmpty && bias.Length != g.OutChannels) throw new ArgumentException($"Bias has {bias.Length} elements, expected {g.OutChannels}.");
        if (g.Batch == 0) return;
        int cout = g.OutChannels;
        // Samples only: splitting one sample's channels over the two vCPUs measured slower (seed conv1 20 → 24 µs,
        // lenet 8.5 → 12.6 µs) than the hand-off saves.
        int channelChunks = 1;
        bool hasBias = !bias.IsEmpty;
        fixed (float* px = x, pw = w, pb = bias, py = y)
        {
            nint ix = (nint)px, iw = (nint)pw, ib = (nint)pb, iy = (nint)py;
            Parallelism.ForChunks(g.Batch * channelChunks, (_, start, end) =>
            {
                for (int item = start; item < end; item++)
                {
                    int n = item / channelChunks;
                    var (o0, o1) = Parallelism.ChunkRange(cout, channelChunks, item % channelChunks);
                    float* xn = (float*)ix + (long)n * g.InputItem, yn = (float*)iy + (long)n * g.OutputItem;
                    float* b = hasBias ? (float*)ib : null;
                    if (Vector512.IsHardwareAccelerated && g.OutWidth >= Vector512<float>.Count)
                        SingleChannelRows<Lanes512, Vector512<float>>(g, xn, (float*)iw, b, yn, o0, o1, relu);
                    else if (Vector256.IsHardwareAccelerated && g.OutWidth >= Vector256<float>.Count)
                        SingleChannelRows<Lanes256, Vector256<float>>(g, xn, (float*)iw, b, yn, o0, o1, relu);
                    else if (Vector128.IsHardwareAccelerated && g.OutWidth >= Vector128<float>.Count)
                        SingleChannelRows<Lanes128, Vector128<float>>(g, xn, (float*)iw, b, yn, o0, o1, relu);
                    else
                        SingleChannelRows<LanesScalar, float>(g, xn, (float*)iw, b, yn, o0, o1, relu);
                }
            });
        }
    }

    // Output channels [o0, o1) of one sample. A row is covered by segments of TL.Count pixels; the last one is
    // moved back to end at the row's end (it recomputes a few pixels with the same result) so no lane reads past the input.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void SingleChannelRows<TL, TV>(Conv2dGeometry g, float* x, float* w, float* bias, float* y, int o0, int o1, bool relu)
        where TL : IWinogradLanes<TV> where TV : unmanaged
    {
        int count = TL.Count, width = g.Width, oh = g.OutHeight, ow = g.OutWidth, plane = g.OutPixels;
        TV zero = TL.Splat(0f);
        for (int i = 0; i < oh; i++)
        {
            float* r0 = x + (long)i * width, r1 = r0 + width, r2 = r1 + width;
            for (int j = 0; j < ow; j += count)
            {
                if (j + count > ow) j = ow - count;
                TV x0 = TL.Load(r0 + j), x1 = TL.Load(r0 + j + 1), x2 = TL.Load(r0 + j + 2);
                TV x3 = TL.Load(r1 + j), x4 = TL.Load(r1 + j + 1), x5 = TL.Load(r1 + j + 2);
                TV x6 = TL.Load(r2 + j), x7 = TL.Load(r2 + j + 1), x8 = TL.Load(r2 + j + 2);
                float* dst = y + (long)o0 * plane + (long)i * ow + j;
                for (int o = o0; o < o1; o++, dst += plane)
                {
                    float* f = w + o * 9;
                    TV acc = TL.Splat(bias is null ? 0f : bias[o]);
                    acc = TL.Add(acc, TL.Mul(x0, f[0]));
                    acc = TL.Add(acc, TL.Mul(x1, f[1]));
                    acc = TL.Add(acc, TL.Mul(x2, f[2]));
                    acc = TL.Add(acc, TL.Mul(x3, f[3]));
                    acc = TL.Add(acc, TL.Mul(x4, f[4]));
                    acc = TL.Add(acc, TL.Mul(x5, f[5]));
                    acc = TL.Add(acc, TL.Mul(x6, f[6]));
                    acc = TL.Add(acc, TL.Mul(x7, f[7]));
                    acc = TL.Add(acc, TL.Mul(x8, f[8]));
                    if (relu) acc = TL.Max(acc, zero);
                    TL.Store(dst, acc);
                }
            }
        }
    }
}
