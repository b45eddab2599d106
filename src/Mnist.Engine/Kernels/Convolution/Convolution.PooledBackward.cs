using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Mnist.Engine.Kernels.Common;

namespace Mnist.Engine.Kernels;

// Backward pass of a 3×3 convolution whose output goes through ReLU and a 2×2 stride-2 max pool (lenet conv2,
// seed conv2). The convolution's output gradient is non-zero at one cell of each window at most (none where the pooled
// value is not positive), so at most a quarter of its elements. The dense backward passes (Winograd weight gradient,
// im2col input gradient) spend three quarters of their multiplies or more on its zeros; here each chosen cell is one
// entry (its input offset and its gradient) and only entries are multiplied.
//
// Input channels are vector lanes, over a channels-last copy of the input [N][H][W][C'] (C' = channels rounded up to
// two vectors, zero past the last channel): one entry's 3×3 patch of two vectors of channels is 18 loads, and
// - weight gradient: output channel o keeps 18 vector sums, each entry adds g·patch (18 fused multiply-adds);
//   threads split the output channels, every sum runs over samples then entries in order;
// - input gradient: output channel o's 18 weight vectors stay in registers, each entry adds g·w into a
//   channels-last input gradient of the sample (18 fused multiply-adds); threads split the samples, every
//   element adds its terms in output channel order.
// Every width (512, 256, 128 bits, scalar) runs the same sequence of fused multiply-adds per element, so results do
// not depend on the vector width or the thread count. ReferenceConvolutionPool is the oracle.
public static partial class Convolution
{
    /// <summary>Whether <see cref="BackwardReluMaxPool"/> handles <paramref name="g"/>: 3×3, stride 1, no padding, a 2×2 output at least.</summary>
    public static bool BacksReluMaxPool(Conv2dGeometry g) => g.Kernel == 3 && FusesReluMaxPool(g);

    /// <summary>
    /// Backward pass of y = maxpool2×2(relu(conv(x, w) + b)) from the pooled output's gradient and the winning cells
    /// (<see cref="Reference.ReferenceConvolutionPool.Forward{T}"/>'s corners): dw += ∂L/∂w, dbias += ∂L/∂b (when not
    /// empty) and dx = ∂L/∂x (overwritten; skipped when empty).
    /// </summary>
    /// <returns>
    /// False, with nothing written, when x or w holds an infinity or NaN: the layers' dense gradients multiply such a value
    /// by the zero gradient of the cells not chosen (NaN), which this pass never visits; the caller then runs the dense path.
    /// </returns>
    /// <exception cref="ArgumentException">A geometry <see cref="BacksReluMaxPool"/> rejects, a length that does not match it, or a corner outside 0–4.</exception>
    public static unsafe bool BackwardReluMaxPool(Conv2dGeometry g, ReadOnlyMemory<float> x, ReadOnlyMemory<float> w, ReadOnlyMemory<float> pooledGrad,
        ReadOnlyMemory<int> corners, Memory<float> dw, Memory<float> dbias, Memory<float> dx)
    {
        CheckPooled(g, x.Length, w.Length, pooledGrad.Length, corners.Length);
        if (g.Kernel != 3) throw new ArgumentException($"The pooled backward pass needs a 3×3 kernel, got {g}.");
        if (dw.Length != g.WeightLength) throw new ArgumentException($"Weight gradient has {dw.Length} elements, expected {g.WeightLength}.");
        if (!dbias.IsEmpty && dbias.Length != g.OutChannels) throw new ArgumentException($"Bias gradient has {dbias.Length} elements, expected {g.OutChannels}.");
        if (!dx.IsEmpty && dx.Length != (long)g.Batch * g.InputItem) throw new ArgumentException("Input gradient length does not match the geometry.");
        if (!AllFinite(w.Span)) return false;
        if (g.Batch == 0) return true;
        if (Vector512.IsHardwareAccelerated) return SparseBackward<Lanes512, Vector512<float>>(g, x, w, pooledGrad, corners, dw, dbias, dx);
        if (Vector256.IsHardwareAccelerated) return SparseBackward<Lanes256, Vector256<float>>(g, x, w, pooledGrad, corners, dw, dbias, dx);
        if (Vector128.IsHardwareAccelerated) return SparseBackward<Lanes128, Vector128<float>>(g, x, w, pooledGrad, corners, dw, dbias, dx);
        return SparseBackward<LanesScalar, float>(g, x, w, pooledGrad, corners, dw, dbias, dx);
    }

    [ThreadStatic] private static float[]? t_sparseInput, t_sparseWeights, t_sparseLocal;

    // x − x is 0 for every finite x and NaN for ±∞ and NaN, and a sum of zeros stays exactly 0.
    private static bool AllFinite(ReadOnlySpan<float> s)
    {
        var acc = Vector<float>.Zero;
        int i = 0;
        for (; i + Vector<float>.Count <= s.Length; i += Vector<float>.Count)
        {
            var v = new Vector<float>(s.Slice(i));
            acc += v - v;
        }
        float tail = 0f;
        for (; i < s.Length; i++) tail += s[i] - s[i];
        return Vector.Sum(acc) + tail == 0f;
    }

    private static unsafe bool SparseBackward<TL, TV>(Conv2dGeometry g, ReadOnlyMemory<float> x, ReadOnlyMemory<float> w, ReadOnlyMemory<float> pooledGrad,
        ReadOnlyMemory<int> corners, Memory<float> dw, Memory<float> dbias, Memory<float> dx)
        where TL : IWinogradLanes<TV> where TV : unmanaged
    {
        int lanes = TL.Count, chunkWidth = 2 * lanes;
        int cin = g.InChannels, cout = g.OutChannels, h = g.Height, wd = g.Width, plane = h * wd;
        int chunks = (cin + chunkWidth - 1) / chunkWidth, cpad = chunks * chunkWidth;
        int ph = g.OutHeight / 2, pw = g.OutWidth / 2, windows = ph * pw;
        long xItem = (long)plane * cpad, lists = (long)g.Batch * cout;
        int patchFloats = 18 * lanes;
        // The calling thread's buffers, read by the workers during this call only. Vectors start at 64-byte boundaries:
        // a 512-bit access that straddles two cache lines costs two, and a straddling store does not forward to the
        // load that follows it.
        nint ixcl = (nint)AlignedScratch.Get(ref t_sparseInput, checked((int)(g.Batch * xItem)));
        nint iwt = (nint)AlignedScratch.Get(ref t_sparseWeights, cout * chunks * patchFloats);
        var offsets = ArrayPool<int>.Shared.Rent(checked((int)(lists * windows)));
        var grads = ArrayPool<float>.Shared.Rent(checked((int)(lists * windows)));
        var counts = ArrayPool<int>.Shared.Rent(checked((int)lists));
        int failure = 0;
        try
        {
            // Channels-last input and each (sample, output channel)'s entries, split over samples.
            Parallelism.ForChunks(g.Batch, (_, n0, n1) =>
            {
                var xs = x.Span;
                fixed (float* pg = grads, pgrad = pooledGrad.Span)
                fixed (int* po = offsets, pc = counts, pcorner = corners.Span)
                {
                    for (int n = n0; n < n1; n++)
                    {
                        var xn = xs.Slice(n * g.InputItem, g.InputItem);
                        if (!AllFinite(xn)) { Volatile.Write(ref failure, 1); return; }
                        float* dst = (float*)ixcl + n * xItem;
                        fixed (float* src = xn)
                        {
                            // Pixel-major: the writes are contiguous and the reads walk Cin planes that stay in L1.
                            for (int p = 0; p < plane; p++, dst += cpad)
                            {
                                int c = 0;
                                for (; c < cin; c++) dst[c] = src[(long)c * plane + p];
                                for (; c < cpad; c++) dst[c] = 0f;
                            }
                        }
                        for (int o = 0; o < cout; o++)
                        {
                            long list = (long)n * cout + o, first = list * windows;
                            int count = 0;
                            int* cn = pcorner + first;
                            float* gn = pgrad + first;
                            for (int i = 0; i < ph; i++)
                                for (int j = 0; j < pw; j++)
                                {
                                    int k = i * pw + j, corner = cn[k];
                                    if ((uint)corner > NoCorner) { Volatile.Write(ref failure, 2); return; }
                                    // Written for every window, kept (count advanced) only for a chosen cell: no branch to mispredict.
                                    po[first + count] = ((2 * i + (corner >> 1)) * wd + 2 * j + (corner & 1)) * cpad;
                                    pg[first + count] = gn[k];
                                    count += ((NoCorner - 1 - corner) >>> 31) ^ 1;
                                }
                            pc[list] = count;
                        }
                    }
                }
            });
            if (failure == 2) throw new ArgumentException($"A corner is outside 0–{NoCorner}.", nameof(corners));
            if (failure != 0) return false;

            // Weights as [o][chunk][tap][two vectors of channels], zero past the last channel.
            var ws = w.Span;
            float* wt = (float*)iwt;
            for (int o = 0; o < cout; o++)
                for (int ch = 0; ch < chunks; ch++)
                    for (int tap = 0; tap < 9; tap++)
                        for (int q = 0; q < chunkWidth; q++)
                        {
                            int c = ch * chunkWidth + q;
                            wt[((o * chunks + ch) * 9 + tap) * chunkWidth + q] = c < cin ? ws[(o * cin + c) * 9 + tap] : 0f;
                        }

            long rowStride = (long)wd * cpad;
            Parallelism.ForChunks(cout, (_, o0, o1) =>
            {
                int accLength = (o1 - o0) * chunks * patchFloats;
                float* pacc = AlignedScratch.Get(ref t_sparseLocal, accLength);
                new Span<float>(pacc, accLength).Clear();
                float* pxcl = (float*)ixcl;
                var dws = dw.Span;
                var dbs = dbias.Span;
                fixed (float* pg = grads)
                fixed (int* po = offsets, pc = counts)
                {
                    for (int n = 0; n < g.Batch; n++)
                        for (int o = o0; o < o1; o++)
                        {
                            long list = (long)n * cout + o;
                            int count = pc[list];
                            if (count == 0) continue;
                            for (int ch = 0; ch < chunks; ch++)
                                WeightGradientEntries<TL, TV>(pxcl + n * xItem + ch * chunkWidth, po + list * windows, pg + list * windows, count,
                                    rowStride, cpad, pacc + ((o - o0) * chunks + ch) * patchFloats);
                        }
                    for (int o = o0; o < o1; o++)
                    {
                        for (int ch = 0; ch < chunks; ch++)
                            for (int tap = 0; tap < 9; tap++)
                                for (int q = 0; q < chunkWidth; q++)
                                {
                                    int c = ch * chunkWidth + q;
                                    if (c < cin) dws[(o * cin + c) * 9 + tap] += pacc[((o - o0) * chunks + ch) * patchFloats + tap * chunkWidth + q];
                                }
                        if (dbs.IsEmpty) continue;
                        float sum = 0f;
                        for (int n = 0; n < g.Batch; n++)
                        {
                            long list = (long)n * cout + o;
                            float* gl = pg + list * windows;
                            for (int e = 0; e < pc[list]; e++) sum += gl[e];
                        }
                        dbs[o] += sum;
                    }
                }
            });

            if (dx.IsEmpty) return true;
            Parallelism.ForChunks(g.Batch, (_, n0, n1) =>
            {
                float* pl = AlignedScratch.Get(ref t_sparseLocal, (int)xItem);
                float* pwt = (float*)iwt;
                var dxs = dx.Span;
                fixed (float* pg = grads)
                fixed (int* po = offsets, pc = counts)
                {
                    for (int n = n0; n < n1; n++)
                    {
                        new Span<float>(pl, (int)xItem).Clear();
                        for (int o = 0; o < cout; o++)
                        {
                            long list = (long)n * cout + o;
                            int count = pc[list];
                            if (count == 0) continue;
                            for (int ch = 0; ch < chunks; ch++)
                                InputGradientEntries<TL, TV>(pl + ch * chunkWidth, po + list * windows, pg + list * windows, count,
                                    rowStride, cpad, pwt + (o * chunks + ch) * patchFloats);
                        }
                        var dxn = dxs.Slice(n * g.InputItem, g.InputItem);
                        fixed (float* pdx = dxn)
                        {
                            float* src = pl;
                            for (int p = 0; p < plane; p++, src += cpad)
                                for (int c = 0; c < cin; c++) pdx[(long)c * plane + p] = src[c];
                        }
                    }
                }
            });
            return true;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(offsets);
            ArrayPool<float>.Shared.Return(grads);
            ArrayPool<int>.Shared.Return(counts);
        }
    }

    // acc[tap][two vectors] += g·x[entry + tap] over count entries; x points at the channel chunk of a channels-last
    // sample, an entry's offset at its 3×3 patch's top-left pixel. The sums stay in registers across entries.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void WeightGradientEntries<TL, TV>(float* x, int* offsets, float* grads, int count, long rowStride, int cpad, float* acc)
        where TL : IWinogradLanes<TV> where TV : unmanaged
    {
        int l = TL.Count;
        TV a0 = TL.Load(acc), a1 = TL.Load(acc + l), a2 = TL.Load(acc + 2 * l), a3 = TL.Load(acc + 3 * l), a4 = TL.Load(acc + 4 * l), a5 = TL.Load(acc + 5 * l);
        TV a6 = TL.Load(acc + 6 * l), a7 = TL.Load(acc + 7 * l), a8 = TL.Load(acc + 8 * l), a9 = TL.Load(acc + 9 * l), a10 = TL.Load(acc + 10 * l), a11 = TL.Load(acc + 11 * l);
        TV a12 = TL.Load(acc + 12 * l), a13 = TL.Load(acc + 13 * l), a14 = TL.Load(acc + 14 * l), a15 = TL.Load(acc + 15 * l), a16 = TL.Load(acc + 16 * l), a17 = TL.Load(acc + 17 * l);
        for (int e = 0; e < count; e++)
        {
            TV d = TL.Splat(grads[e]);
            float* r0 = x + offsets[e], r1 = r0 + rowStride, r2 = r1 + rowStride;
            a0 = TL.MultiplyAdd(d, TL.Load(r0), a0);
            a1 = TL.MultiplyAdd(d, TL.Load(r0 + l), a1);
            a2 = TL.MultiplyAdd(d, TL.Load(r0 + cpad), a2);
            a3 = TL.MultiplyAdd(d, TL.Load(r0 + cpad + l), a3);
            a4 = TL.MultiplyAdd(d, TL.Load(r0 + 2 * cpad), a4);
            a5 = TL.MultiplyAdd(d, TL.Load(r0 + 2 * cpad + l), a5);
            a6 = TL.MultiplyAdd(d, TL.Load(r1), a6);
            a7 = TL.MultiplyAdd(d, TL.Load(r1 + l), a7);
            a8 = TL.MultiplyAdd(d, TL.Load(r1 + cpad), a8);
            a9 = TL.MultiplyAdd(d, TL.Load(r1 + cpad + l), a9);
            a10 = TL.MultiplyAdd(d, TL.Load(r1 + 2 * cpad), a10);
            a11 = TL.MultiplyAdd(d, TL.Load(r1 + 2 * cpad + l), a11);
            a12 = TL.MultiplyAdd(d, TL.Load(r2), a12);
            a13 = TL.MultiplyAdd(d, TL.Load(r2 + l), a13);
            a14 = TL.MultiplyAdd(d, TL.Load(r2 + cpad), a14);
            a15 = TL.MultiplyAdd(d, TL.Load(r2 + cpad + l), a15);
            a16 = TL.MultiplyAdd(d, TL.Load(r2 + 2 * cpad), a16);
            a17 = TL.MultiplyAdd(d, TL.Load(r2 + 2 * cpad + l), a17);
        }
        TL.Store(acc, a0); TL.Store(acc + l, a1); TL.Store(acc + 2 * l, a2); TL.Store(acc + 3 * l, a3); TL.Store(acc + 4 * l, a4); TL.Store(acc + 5 * l, a5);
        TL.Store(acc + 6 * l, a6); TL.Store(acc + 7 * l, a7); TL.Store(acc + 8 * l, a8); TL.Store(acc + 9 * l, a9); TL.Store(acc + 10 * l, a10); TL.Store(acc + 11 * l, a11);
        TL.Store(acc + 12 * l, a12); TL.Store(acc + 13 * l, a13); TL.Store(acc + 14 * l, a14); TL.Store(acc + 15 * l, a15); TL.Store(acc + 16 * l, a16); TL.Store(acc + 17 * l, a17);
    }

    // dx[entry + tap] += g·w[tap] over count entries, w one output channel's weights [tap][two vectors] held in registers;
    // dx points at the channel chunk of a channels-last sample gradient (one output channel's entries after another:
    // summing a window's channels in registers first read all weights per window, from L2, and measured slower).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void InputGradientEntries<TL, TV>(float* dx, int* offsets, float* grads, int count, long rowStride, int cpad, float* w)
        where TL : IWinogradLanes<TV> where TV : unmanaged
    {
        int l = TL.Count;
        TV w0 = TL.Load(w), w1 = TL.Load(w + l), w2 = TL.Load(w + 2 * l), w3 = TL.Load(w + 3 * l), w4 = TL.Load(w + 4 * l), w5 = TL.Load(w + 5 * l);
        TV w6 = TL.Load(w + 6 * l), w7 = TL.Load(w + 7 * l), w8 = TL.Load(w + 8 * l), w9 = TL.Load(w + 9 * l), w10 = TL.Load(w + 10 * l), w11 = TL.Load(w + 11 * l);
        TV w12 = TL.Load(w + 12 * l), w13 = TL.Load(w + 13 * l), w14 = TL.Load(w + 14 * l), w15 = TL.Load(w + 15 * l), w16 = TL.Load(w + 16 * l), w17 = TL.Load(w + 17 * l);
        for (int e = 0; e < count; e++)
        {
            TV d = TL.Splat(grads[e]);
            float* r0 = dx + offsets[e], r1 = r0 + rowStride, r2 = r1 + rowStride;
            TL.Store(r0, TL.MultiplyAdd(d, w0, TL.Load(r0)));
            TL.Store(r0 + l, TL.MultiplyAdd(d, w1, TL.Load(r0 + l)));
            TL.Store(r0 + cpad, TL.MultiplyAdd(d, w2, TL.Load(r0 + cpad)));
            TL.Store(r0 + cpad + l, TL.MultiplyAdd(d, w3, TL.Load(r0 + cpad + l)));
            TL.Store(r0 + 2 * cpad, TL.MultiplyAdd(d, w4, TL.Load(r0 + 2 * cpad)));
            TL.Store(r0 + 2 * cpad + l, TL.MultiplyAdd(d, w5, TL.Load(r0 + 2 * cpad + l)));
            TL.Store(r1, TL.MultiplyAdd(d, w6, TL.Load(r1)));
            TL.Store(r1 + l, TL.MultiplyAdd(d, w7, TL.Load(r1 + l)));
            TL.Store(r1 + cpad, TL.MultiplyAdd(d, w8, TL.Load(r1 + cpad)));
            TL.Store(r1 + cpad + l, TL.MultiplyAdd(d, w9, TL.Load(r1 + cpad + l)));
            TL.Store(r1 + 2 * cpad, TL.MultiplyAdd(d, w10, TL.Load(r1 + 2 * cpad)));
            TL.Store(r1 + 2 * cpad + l, TL.MultiplyAdd(d, w11, TL.Load(r1 + 2 * cpad + l)));
            TL.Store(r2, TL.MultiplyAdd(d, w12, TL.Load(r2)));
            TL.Store(r2 + l, TL.MultiplyAdd(d, w13, TL.Load(r2 + l)));
            TL.Store(r2 + cpad, TL.MultiplyAdd(d, w14, TL.Load(r2 + cpad)));
            TL.Store(r2 + cpad + l, TL.MultiplyAdd(d, w15, TL.Load(r2 + cpad + l)));
            TL.Store(r2 + 2 * cpad, TL.MultiplyAdd(d, w16, TL.Load(r2 + 2 * cpad)));
            TL.Store(r2 + 2 * cpad + l, TL.MultiplyAdd(d, w17, TL.Load(r2 + 2 * cpad + l)));
        }
    }
}
