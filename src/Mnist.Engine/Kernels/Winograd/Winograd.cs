using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Mnist.Engine.Kernels.Common;

namespace Mnist.Engine.Kernels;

/// <summary>
/// 3×3 stride-1 convolution (any zero padding) by Winograd minimal filtering F(4×4, 3×3) (Lavin and Gray,
/// "Fast Algorithms for Convolutional Neural Networks", 2015): each 6×6 input tile d and filter g become
/// Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A, a 4×4 output tile, with 36 multiplies instead of 144. Summed over input
/// channels, the element-wise products are 36 independent GEMMs U_ξ[Cout,Cin]·V_ξ[Cin,tiles], run on the
/// packed GEMM. <see cref="Reference.ReferenceWinograd"/> is the oracle of the transforms and
/// <see cref="Reference.ReferenceConvolution"/> of the result.
/// </summary>
/// <remarks>
/// Work is cut into panels of <see cref="GemmBlocking.NR"/> tiles (tiles numbered over samples, then tile rows,
/// then tile columns). Each panel is transformed straight into the GEMM's packed-B layout, multiplied and
/// transformed back while it is in cache; the transforms run on vectors across the panel's tiles. Panels are
/// split over threads (and, when there are fewer panels than threads, the output channels too); every output is
/// computed by one thread in a fixed order, so results do not depend on the thread count. Rounding differs from
/// the direct sum: the transforms multiply by up to 8 and cancel, so errors are a few times float32's.
/// </remarks>
public static unsafe class Winograd
{
    /// <summary>Output tile side m of F(m×m, 3×3).</summary>
    public const int OutTile = 4;

    /// <summary>Input tile side m + r − 1.</summary>
    public const int InTile = 6;

    private const int Elements = InTile * InTile;

    /// <summary>
    /// True when <see cref="Convolution"/> routes this float convolution here: a 3×3 stride-1 kernel, at least
    /// 16 input and output channels (fewer make the GEMMs too thin to beat im2col) and vector hardware.
    /// </summary>
    /// <remarks>
    /// Measured with bench/Mnist.Engine.Bench (docs/benchmarks.md): Winograd loses when tiles hang far past the
    /// output (a 13×13 input gradient computes 16×16, fewer than 3 of im2col's multiplies saved per 1) and when
    /// there is a single panel of tiles (one thread idle). The weight gradient has its own rule,
    /// <see cref="PaysBackwardWeights"/>.
    /// The rule does not look at the thread count, so which path runs, and its rounding, does not either.
    /// </remarks>
    public static bool Pays(Conv2dGeometry g) =>
        GemmFloat.IsVectorized && g.Kernel == 3 && g.Stride == 1 && g.InChannels >= 16 && g.OutChannels >= 16
        && SavedFactor(g) >= 3.0 && new Plan(g).Panels >= 2;

    /// <summary>As <see cref="Pays"/>, for the input gradient (a convolution with padding 2 − p, so p ≤ 2).</summary>
    public static bool PaysBackwardData(Conv2dGeometry g) =>
        g.Kernel == 3 && g.Stride == 1 && g.Padding <= 2 && Pays(TransposedGeometry(g));

    // Multiplies of the direct convolution per multiply of the Winograd one, tiles past the output included (at most 4).
    private static double SavedFactor(Conv2dGeometry g) => 9.0 * g.OutPixels / (Elements * new Plan(g).TilesPerImage);

    // The input gradient as a forward convolution: dy padded by 2 − p, filters rotated and transposed.
    private static Conv2dGeometry TransposedGeometry(Conv2dGeometry g) =>
        new(g.Batch, g.OutChannels, g.OutHeight, g.OutWidth, g.InChannels, 3, 1, 2 - g.Padding);

    /// <summary>y = conv(x, w) + bias (ReLU applied when <paramref name="relu"/>); shapes as <see cref="Convolution.Forward{T}"/>.</summary>
    /// <exception cref="ArgumentException">Not a 3×3 stride-1 geometry, or a span does not match it.</exception>
    public static void Forward(Conv2dGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y, bool relu = false)
    {
        CheckGeometry(g);
        if (x.Length != (long)g.Batch * g.InputItem || w.Length != g.WeightLength || y.Length != (long)g.Batch * g.OutputItem)
            throw new ArgumentException($"Spans do not match the geometry {g}.");
        if (!bias.IsEmpty && bias.Length != g.OutChannels) throw new ArgumentException($"Bias has {bias.Length} elements, expected {g.OutChannels}.");
        Run(g, x, w, transposeFilters: false, bias, y, relu);
    }

    /// <summary>
    /// dx = ∂L/∂x (overwritten) from dy [N,Cout,OutH,OutW]: the convolution of dy, zero-padded by 2 − p, with the
    /// filters rotated by 180° and input and output channels swapped.
    /// </summary>
    /// <exception cref="ArgumentException">Not a 3×3 stride-1 geometry with padding ≤ 2, or a span does not match it.</exception>
    public static void BackwardData(Conv2dGeometry g, ReadOnlySpan<float> dy, ReadOnlySpan<float> w, Span<float> dx)
    {
        CheckGeometry(g);
        if (g.Padding > 2) throw new ArgumentException("Winograd input gradient needs padding ≤ 2.");
        if (dx.Length != (long)g.Batch * g.InputItem || w.Length != g.WeightLength || dy.Length != (long)g.Batch * g.OutputItem)
            throw new ArgumentException($"Spans do not match the geometry {g}.");
        Run(TransposedGeometry(g), dy, w, transposeFilters: true, default, dx, false);
    }

    /// <summary>Tiles per block of the weight gradient: a multiple of every panel width NR (8, 16, 32).</summary>
    private const int GradientBlockTiles = 64;

    /// <summary>
    /// True when <see cref="Convolution.BackwardWeights{T}"/> routes this float convolution here: as <see cref="Pays"/>,
    /// and at least 8 blocks of <see cref="GradientBlockTiles"/> tiles so both threads have whole blocks to sum.
    /// </summary>
    /// <remarks>
    /// Measured with <c>mnist-engine-bench profile</c> (docs/benchmarks.md). Like <see cref="Pays"/>, the rule does not
    /// look at the thread count.
    /// </remarks>
    public static bool PaysBackwardWeights(Conv2dGeometry g) =>
        Pays(g) && new Plan(g).Tiles >= 8 * GradientBlockTiles;

    /// <summary>
    /// dw += ∂L/∂w from x [N,Cin,H,W] and dy [N,Cout,OutH,OutW]: dw = Gᵀ[Σ_tiles (A dY Aᵀ) ⊙ (Bᵀ d B)]G, the adjoint of
    /// <see cref="Forward(Conv2dGeometry, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, bool)"/>, the sum over every tile of every sample as 36 products dU_ξᵀ [Cin,Cout] = V_ξ·dM_ξᵀ.
    /// </summary>
    /// <remarks>
    /// Tiles are taken in blocks of <see cref="GradientBlockTiles"/>, whose transforms (36·(Cin + Cout)·64 floats) stay in
    /// cache while the 36 products of depth 64 add them into dUᵀ. Both transforms are written straight in the layouts the
    /// weight-gradient micro-kernel reads (<see cref="GemmFloat.WeightGradientRows"/>): V_ξ as packed panels of NR tiles
    /// (lanes are tiles), dM_ξ tile-major with NR output channels per vector (lanes are channels), so nothing is packed
    /// per product. The blocks are cut into a fixed number of groups (by tile count only), each summed into its own dUᵀ
    /// by one thread, and the groups are added in order: bit-identical for any thread count.
    /// </remarks>
    /// <exception cref="ArgumentException">Not a 3×3 stride-1 geometry, or a span does not match it.</exception>
    public static void BackwardWeights(Conv2dGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw)
    {
        CheckGeometry(g);
        if (x.Length != (long)g.Batch * g.InputItem || dw.Length != g.WeightLength || dy.Length != (long)g.Batch * g.OutputItem)
            throw new ArgumentException($"Spans do not match the geometry {g}.");
        if (g.Batch == 0) return;
        var plan = new Plan(g);
        int cin = g.InChannels, cout = g.OutChannels, nr = GemmBlocking.NR, bt = GradientBlockTiles;
        int blocks = (plan.Tiles + bt - 1) / bt;
        int groups = Math.Min(4, blocks);
        int coutPanels = (cout + nr - 1) / nr;
        int duLength = Elements * cout * cin;
        var du = ArrayPool<float>.Shared.Rent(groups * duLength);
        try
        {
            fixed (float* px = x, pdy = dy, pdu = du, pdw = dw)
            {
                nint ix = (nint)px, idy = (nint)pdy, idu = (nint)pdu;
                Parallelism.ForChunks(groups, (_, start, end) =>
                {
                    long vElement = (long)cin * bt, mElement = (long)coutPanels * nr * bt;
                    int need = (int)(Elements * (vElement + mElement));
                    var scratch = t_gradientScratch;
                    if (scratch is null || scratch.Length < need) t_gradientScratch = scratch = new float[need];
                    float* d = stackalloc float[Elements * 32];
                    float* tmp = stackalloc float[Elements * 16];
                    int* tiles = stackalloc int[3 * GradientBlockTiles];
                    fixed (float* ps = scratch)
                    {
                        float* v = ps, m = ps + Elements * vElement;
                        for (int group = start; group < end; group++)
                        {
                            var (b0, b1) = Parallelism.ChunkRange(blocks, groups, group);
                            float* dug = (float*)idu + (long)group * duLength;
                            for (int block = b0; block < b1; block++)
                            {
                                for (int q = 0; q < bt / nr; q++)
                                {
                                    int* panelTiles = tiles + 3 * q * nr;
                                    plan.LocateRange((block * (bt / nr) + q) * nr, nr, panelTiles);
                                    // V_ξ: panel q of the block is [Cin, NR] at v + ξ·Cin·64 + q·Cin·NR.
                                    TransformInputPanel(plan, (float*)ix, panelTiles, d, tmp, v + (long)q * cin * nr, nr, vElement);
                                }
                                TransformOutputGradientTiles(plan, (float*)idy, tiles, bt, d, tmp, m, mElement);
                                for (int e = 0; e < Elements; e++)
                                    GemmFloat.WeightGradientRows(0, cin, cin, cout, bt, 1, v + e * vElement, 0, m + e * mElement, 0,
                                        dug + (long)e * cin * cout, cout, block > b0);
                            }
                        }
                    }
                });
                for (int group = 1; group < groups; group++)
                    System.Numerics.Tensors.TensorPrimitives.Add(du.AsSpan(0, duLength), du.AsSpan(group * duLength, duLength), du.AsSpan(0, duLength));
                AddFilterGradients(pdu, cout, cin, pdw);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(du);
        }
    }

    // A dY Aᵀ of the block's tiles, lanes over output channels: element ξ of tile t, channel o at
    // dst + ξ·elementStride + ⌊o/NR⌋·count·NR + t·NR + o mod NR (channels past Cout zero) — the B operand layout of
    // GemmFloat.WeightGradientRows. tiles as Plan.Locate writes them, count of them.
    private static void TransformOutputGradientTiles(in Plan plan, float* dy, int* tiles, int count, float* d, float* tmp, float* dst, long elementStride)
    {
        var g = plan.G;
        int nr = GemmBlocking.NR, oh = g.OutHeight, ow = g.OutWidth, cout = g.OutChannels;
        int panels = (cout + nr - 1) / nr;
        long plane = (long)oh * ow;
        for (int t = 0; t < count; t++)
        {
            int n = tiles[3 * t], r0 = tiles[3 * t + 1], q0 = tiles[3 * t + 2];
            int rows = n < 0 ? 0 : Math.Min(OutTile, oh - r0), cols = n < 0 ? 0 : Math.Min(OutTile, ow - q0);
            for (int cp = 0; cp < panels; cp++)
            {
                int valid = Math.Min(nr, cout - cp * nr);
                if (rows == OutTile && cols == OutTile)
                {
                    float* s = dy + ((long)n * cout + cp * nr) * plane + (long)r0 * ow + q0;
                    for (int l = 0; l < valid; l++, s += plane)
                    {
                        float* dd = d + l;
                        float* s1 = s + ow, s2 = s1 + ow, s3 = s2 + ow;
                        dd[0] = s[0]; dd[nr] = s[1]; dd[2 * nr] = s[2]; dd[3 * nr] = s[3];
                        dd[4 * nr] = s1[0]; dd[5 * nr] = s1[1]; dd[6 * nr] = s1[2]; dd[7 * nr] = s1[3];
                        dd[8 * nr] = s2[0]; dd[9 * nr] = s2[1]; dd[10 * nr] = s2[2]; dd[11 * nr] = s2[3];
                        dd[12 * nr] = s3[0]; dd[13 * nr] = s3[1]; dd[14 * nr] = s3[2]; dd[15 * nr] = s3[3];
                    }
                }
                else
                {
                    // Border tile (or past the last tile): zero outside the output.
                    for (int l = 0; l < valid; l++)
                    {
                        float* s = dy + ((long)n * cout + cp * nr + l) * plane + (long)r0 * ow + q0;
                        for (int i = 0; i < OutTile; i++)
                            for (int j = 0; j < OutTile; j++)
                                d[(i * OutTile + j) * nr + l] = i < rows && j < cols ? s[(long)i * ow + j] : 0f;
                    }
                }
                for (int l = valid; l < nr; l++)
                    for (int e = 0; e < OutTile * OutTile; e++) d[e * nr + l] = 0f;
                float* out0 = dst + (long)cp * count * nr + (long)t * nr;
                if (Vector512.IsHardwareAccelerated) GradientLanes<Lanes512, Vector512<float>>(d, nr, tmp, out0, elementStride);
                else if (Vector256.IsHardwareAccelerated) GradientLanes<Lanes256, Vector256<float>>(d, nr, tmp, out0, elementStride);
                else if (Vector128.IsHardwareAccelerated) GradientLanes<Lanes128, Vector128<float>>(d, nr, tmp, out0, elementStride);
                else GradientLanes<LanesScalar, float>(d, nr, tmp, out0, elementStride);
            }
        }
    }

    [ThreadStatic] private static float[]? t_gradientScratch;

    // dw[o,c] += Gᵀ dU[o,c] G: the adjoint of the filter transform; du holds dUᵀ_ξ [Cin, Cout] per element ξ.
    private static void AddFilterGradients(float* du, int cout, int cin, float* dw)
    {
        long elementStride = (long)cout * cin;
        nint idu = (nint)du, idw = (nint)dw;
        Parallelism.ForChunks(cout, (_, start, end) =>
        {
            float* a = stackalloc float[InTile];
            float* half = stackalloc float[3 * InTile];
            for (int o = start; o < end; o++)
                for (int c = 0; c < cin; c++)
                {
                    float* src = (float*)idu + (long)c * cout + o;
                    for (int j = 0; j < InTile; j++)
                    {
                        for (int i = 0; i < InTile; i++) a[i] = src[(i * InTile + j) * elementStride];
                        FilterAdjoint(a, 1, half + j, InTile);
                    }
                    float* dst = (float*)idw + ((long)o * cin + c) * 9;
                    for (int u = 0; u < 3; u++)
                    {
                        FilterAdjoint(half + u * InTile, 1, a, 1);
                        dst[u * 3] += a[0];
                        dst[u * 3 + 1] += a[1];
                        dst[u * 3 + 2] += a[2];
                    }
                }
        }, minItemsPerChunk: 8);
    }

    // Gᵀ·(a0..a5) written at dst[k·dstStride], k < 3.
    private static void FilterAdjoint(float* a, int aStride, float* dst, int dstStride)
    {
        const float Sixth = 1f / 6f, Twelfth = 1f / 12f, TwentyFourth = 1f / 24f;
        float a0 = a[0], a1 = a[aStride], a2 = a[2 * aStride], a3 = a[3 * aStride], a4 = a[4 * aStride], a5 = a[5 * aStride];
        float p12 = a1 + a2, p34 = a3 + a4;
        dst[0] = a0 * 0.25f - p12 * Sixth + p34 * TwentyFourth;
        dst[dstStride] = (a2 - a1) * Sixth + (a3 - a4) * Twelfth;
        dst[2 * dstStride] = (p34 - p12) * Sixth + a5;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GradientLanes<TL, TV>(float* d, int nr, float* tmp, float* dst, long stride)
        where TL : IWinogradLanes<TV> where TV : unmanaged
    {
        int count = TL.Count;
        for (int l = 0; l < nr; l += count)
        {
            // Columns: 4 rows → 6 (tmp [6][4]); rows: 4 columns → 6.
            for (int j = 0; j < OutTile; j++)
                Gradient1D<TL, TV>(d + j * nr + l, OutTile * nr, tmp + j * count, OutTile * count);
            for (int i = 0; i < InTile; i++)
                Gradient1D<TL, TV>(tmp + i * OutTile * count, count, dst + i * InTile * stride + l, stride);
        }
    }

    // A·(y0..y3), the adjoint of Aᵀ: (y0, Σy, y0−y1+y2−y3, y0+2y1+4y2+8y3, y0−2y1+4y2−8y3, y3).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Gradient1D<TL, TV>(float* s, long ss, float* o, long os)
        where TL : IWinogradLanes<TV> where TV : unmanaged
    {
        TV y0 = TL.Load(s), y1 = TL.Load(s + ss), y2 = TL.Load(s + 2 * ss), y3 = TL.Load(s + 3 * ss);
        TV e = TL.Add(y0, y2), f = TL.Add(y1, y3);
        TV e2 = TL.Add(y0, TL.Mul(y2, 4f)), f2 = TL.Add(TL.Mul(y1, 2f), TL.Mul(y3, 8f));
        TL.Store(o, y0);
        TL.Store(o + os, TL.Add(e, f));
        TL.Store(o + 2 * os, TL.Sub(e, f));
        TL.Store(o + 3 * os, TL.Add(e2, f2));
        TL.Store(o + 4 * os, TL.Sub(e2, f2));
        TL.Store(o + 5 * os, y3);
    }

    private static void CheckGeometry(Conv2dGeometry g)
    {
        g.Validate();
        if (g.Kernel != 3 || g.Stride != 1) throw new ArgumentException($"Winograd F(4x4,3x3) needs a 3x3 stride-1 convolution, got {g}.");
    }

    // g is the convolution actually computed (for the input gradient: the transposed one); w is stored as the
    // caller's [Cout,Cin,3,3], read transposed and rotated when transposeFilters.
    private static void Run(Conv2dGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, bool transposeFilters, ReadOnlySpan<float> bias, Span<float> y, bool relu)
    {
        if (g.Batch == 0) return;
        int uLength = GemmFloat.PackedALength(g.OutChannels, g.InChannels);
        var u = ArrayPool<float>.Shared.Rent(Elements * uLength);
        try
        {
            TransformFilters(w, g.OutChannels, g.InChannels, transposeFilters, u, uLength);
            RunTransformed(g, x, u, bias, y, relu);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(u);
        }
    }

    /// <summary>
    /// The forward pass with filters already transformed by <see cref="PrepareFilters"/>: for a layer that runs
    /// many times with the same weights (inference), where the transform of 64×64 filters costs as much as a
    /// single sample's multiplies.
    /// </summary>
    /// <exception cref="ArgumentException">The geometry is not 3×3 stride 1, or the filters or spans do not match it.</exception>
    public static void Forward(Conv2dGeometry g, ReadOnlySpan<float> x, PreparedFilters filters, ReadOnlySpan<float> bias, Span<float> y, bool relu = false)
    {
        ArgumentNullException.ThrowIfNull(filters);
        CheckGeometry(g);
        if (filters.OutChannels != g.OutChannels || filters.InChannels != g.InChannels)
            throw new ArgumentException($"Filters are {filters.OutChannels}×{filters.InChannels}, geometry {g} needs {g.OutChannels}×{g.InChannels}.");
        if (x.Length != (long)g.Batch * g.InputItem || y.Length != (long)g.Batch * g.OutputItem)
            throw new ArgumentException($"Spans do not match the geometry {g}.");
        if (!bias.IsEmpty && bias.Length != g.OutChannels) throw new ArgumentException($"Bias has {bias.Length} elements, expected {g.OutChannels}.");
        if (g.Batch == 0) return;
        RunTransformed(g, x, filters.U, bias, y, relu);
    }

    /// <summary>Transforms filters w [Cout,Cin,3,3] once for <see cref="Forward(Conv2dGeometry, ReadOnlySpan{float}, PreparedFilters, ReadOnlySpan{float}, Span{float}, bool)"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="w"/> is not Cout·Cin·9 long.</exception>
    public static PreparedFilters PrepareFilters(ReadOnlySpan<float> w, int outChannels, int inChannels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inChannels);
        if (w.Length != (long)outChannels * inChannels * 9) throw new ArgumentException($"Filters have {w.Length} elements, expected {outChannels}·{inChannels}·9.");
        int uLength = GemmFloat.PackedALength(outChannels, inChannels);
        var u = new float[Elements * uLength];
        TransformFilters(w, outChannels, inChannels, false, u, uLength);
        return new PreparedFilters(outChannels, inChannels, u);
    }

    /// <summary>Filters in the transformed, packed form the Winograd GEMMs read (see <see cref="PrepareFilters"/>).</summary>
    public sealed class PreparedFilters
    {
        internal PreparedFilters(int outChannels, int inChannels, float[] u)
        {
            OutChannels = outChannels;
            InChannels = inChannels;
            U = u;
        }

        /// <summary>Cout.</summary>
        public int OutChannels { get; }

        /// <summary>Cin.</summary>
        public int InChannels { get; }

        // 36 packed-A matrices [Cout,Cin], one per tile element, each PackedALength(Cout, Cin) long.
        internal float[] U { get; }
    }

    private static void RunTransformed(Conv2dGeometry g, ReadOnlySpan<float> x, float[] u, ReadOnlySpan<float> bias, Span<float> y, bool relu)
    {
        int cin = g.InChannels, cout = g.OutChannels, nr = GemmBlocking.NR, mr = GemmBlocking.MR;
        int uLength = GemmFloat.PackedALength(cout, cin);
        {
            var plan = new Plan(g);
            int rowBlocks = (cout + mr - 1) / mr;
            // Fewer panels than threads (small batches, inference): split the output channels as well, so both
            // cores work; each split re-transforms its panels' input, which is cheap next to the GEMMs.
            int rowChunks = plan.Panels >= Parallelism.Degree ? 1 : Math.Min(Parallelism.Degree, rowBlocks);
            bool hasBias = !bias.IsEmpty;
            fixed (float* px = x, pu = u, pb = bias, py = y)
            {
                nint ix = (nint)px, iu = (nint)pu, ib = (nint)pb, iy = (nint)py;
                Parallelism.ForChunks(plan.Panels * rowChunks, (_, start, end) =>
                {
                    var scratch = t_scratch;
                    int need = Elements * (cin + cout) * nr + Elements * nr + Elements * 16 + 3 * nr;
                    if (scratch is null || scratch.Length < need) t_scratch = scratch = new float[need];
                    fixed (float* ps = scratch)
                    {
                        float* v = ps, m = v + Elements * cin * nr, d = m + Elements * cout * nr, tmp = d + Elements * nr;
                        int* tiles = (int*)(tmp + Elements * 16);
                        for (int item = start; item < end; item++)
                        {
                            // Channel-split-major, so consecutive items (one thread's chunk) share a channel range.
                            int split = item / plan.Panels, panel = item % plan.Panels;
                            var (b0, b1) = Parallelism.ChunkRange(rowBlocks, rowChunks, split);
                            int o0 = b0 * mr, o1 = Math.Min(cout, b1 * mr);
                            plan.Locate(panel, tiles);
                            TransformInputPanel(plan, (float*)ix, tiles, d, tmp, v);
                            for (int e = 0; e < Elements; e++)
                                GemmFloat.MultiplyPrepacked(o1 - o0, nr, cin, (float*)iu + (long)e * uLength + (long)o0 * cin,
                                    v + (long)e * cin * nr, m + (long)e * cout * nr + (long)o0 * nr, nr, false, 0, 1);
                            TransformOutputPanel(plan, m, tiles, o0, o1, hasBias ? (float*)ib : null, relu, d, tmp, (float*)iy);
                        }
                    }
                });
            }
        }
    }

    [ThreadStatic] private static float[]? t_scratch;

    /// <summary>Tile bookkeeping of one convolution.</summary>
    private readonly struct Plan(Conv2dGeometry g)
    {
        public readonly Conv2dGeometry G = g;
        public readonly int TilesX = (g.OutWidth + OutTile - 1) / OutTile;
        public readonly int TilesPerImage = (g.OutWidth + OutTile - 1) / OutTile * ((g.OutHeight + OutTile - 1) / OutTile);
        public int Tiles => G.Batch * TilesPerImage;
        public int Panels => (Tiles + GemmBlocking.NR - 1) / GemmBlocking.NR;

        // Tiles are dealt out evenly, not NR to a panel until they run out: a single sample's 36 tiles as 18 + 18
        // rather than 32 + 4, so one thread does not gather and scatter 32 tiles
        // while the other has 4 (measured: the input and output transforms are half of a batch-1 forward).
        private int TilesPerPanel => (Tiles + Panels - 1) / Panels;

        // Per lane of the panel: tiles[3l] = sample, tiles[3l+1] = top output row, tiles[3l+2] = left output column
        // (sample −1 past the panel's last tile; valid lanes are a prefix).
        public void Locate(int panel, int* tiles)
        {
            int perPanel = TilesPerPanel;
            LocateRange(panel * perPanel, perPanel, tiles);
        }

        // As Locate for the tiles first .. first+count−1 (count ≤ NR): the weight gradient takes tiles NR to a panel,
        // densely, as its blocks must cover every tile exactly once whatever the panel count.
        public void LocateRange(int first, int count, int* tiles)
        {
            int nr = GemmBlocking.NR;
            for (int l = 0; l < nr; l++)
            {
                int t = first + l;
                if (l >= count || t >= Tiles) { tiles[3 * l] = -1; continue; }
                int n = t / TilesPerImage, r = t - n * TilesPerImage, ty = r / TilesX;
                tiles[3 * l] = n;
                tiles[3 * l + 1] = ty * OutTile;
                tiles[3 * l + 2] = (r - ty * TilesX) * OutTile;
            }
        }
    }

    // u[ξ] = packed-A [Cout,Cin] of element ξ of G g Gᵀ for every filter g (rows past Cout zero), split over
    // threads by output channel: for single samples this is a large part of the whole convolution.
    private static void TransformFilters(ReadOnlySpan<float> w, int cout, int cin, bool transpose, float[] u, int uLength)
    {
        int mr = GemmBlocking.MR;
        for (int o = cout; o < (cout + mr - 1) / mr * mr; o++)
            for (int c = 0; c < cin; c++)
                for (int e = 0; e < Elements; e++) u[e * (long)uLength + (long)(o / mr) * cin * mr + (long)c * mr + o % mr] = 0f;
        fixed (float* pw = w, pu = u)
        {
            nint iw = (nint)pw, iu = (nint)pu;
            Parallelism.ForChunks(cout, (_, start, end) =>
            {
                float* f = stackalloc float[9];
                float* gf = stackalloc float[InTile * 3];
                float* row = stackalloc float[InTile];
                float* src = (float*)iw;
                for (int o = start; o < end; o++)
                    for (int c = 0; c < cin; c++)
                    {
                        // The transposed problem's filter (o, c) is the caller's filter (c, o), rotated by 180°.
                        if (transpose)
                            for (int k = 0; k < 9; k++) f[k] = src[(c * cout + o) * 9 + 8 - k];
                        else
                            for (int k = 0; k < 9; k++) f[k] = src[(o * cin + c) * 9 + k];
                        for (int v = 0; v < 3; v++) FilterColumn(f[v], f[3 + v], f[6 + v], gf + v, 3);
                        float* at = (float*)iu + (long)(o / mr) * cin * mr + (long)c * mr + o % mr;
                        for (int i = 0; i < InTile; i++)
                        {
                            FilterColumn(gf[i * 3], gf[i * 3 + 1], gf[i * 3 + 2], row, 1);
                            for (int j = 0; j < InTile; j++) at[(i * InTile + j) * (long)uLength] = row[j];
                        }
                    }
            }, minItemsPerChunk: 8);
        }
    }

    // G·(g0,g1,g2)ᵀ written at dst[i·stride]. G rows: (1/4,0,0), −(1,1,1)/6, −(1,−1,1)/6,
    // (1/24,1/12,1/6), (1/24,−1/12,1/6), (0,0,1).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FilterColumn(float g0, float g1, float g2, float* dst, int stride)
    {
        const float Sixth = 1f / 6f, Twelfth = 1f / 12f, TwentyFourth = 1f / 24f;
        float even = g0 + g2, a = g0 * TwentyFourth + g2 * Sixth, b = g1 * Twelfth;
        dst[0] = g0 * 0.25f;
        dst[stride] = -(even + g1) * Sixth;
        dst[2 * stride] = -(even - g1) * Sixth;
        dst[3 * stride] = a + b;
        dst[4 * stride] = a - b;
        dst[5 * stride] = g2;
    }

    // Gathers every input channel's 6×6 tiles of the panel into d (element-major, lane-minor) and writes Bᵀ d B
    // into v: element ξ is a packed-B panel [Cin, NR] at v + ξ·Cin·NR.
    // Lanes past the panel's last tile are left as they are (any finite or not value): the forward GEMMs keep lanes
    // apart, and their outputs are never scattered, so only the vector groups holding tiles are gathered and transformed.
    private static void TransformInputPanel(in Plan plan, float* x, int* tiles, float* d, float* tmp, float* v)
    {
        int nr = GemmBlocking.NR, used = 0;
        while (used < nr && tiles[3 * used] >= 0) used++;
        TransformInputPanel(plan, x, tiles, d, tmp, v, nr, (long)plan.G.InChannels * nr, used);
    }

    // As above with element ξ of channel c at v + c·channelStride + ξ·elementStride, every lane written (zero past
    // the last tile), as the weight gradient's GEMMs sum over lanes.
    private static void TransformInputPanel(in Plan plan, float* x, int* tiles, float* d, float* tmp, float* v, long channelStride, long elementStride)
        => TransformInputPanel(plan, x, tiles, d, tmp, v, channelStride, elementStride, GemmBlocking.NR);

    private static void TransformInputPanel(in Plan plan, float* x, int* tiles, float* d, float* tmp, float* v, long channelStride, long elementStride, int lanes)
    {
        var g = plan.G;
        int nr = GemmBlocking.NR, h = g.Height, w = g.Width, p = g.Padding;
        long plane = (long)h * w;
        for (int c = 0; c < g.InChannels; c++)
        {
            for (int l = 0; l < lanes; l++)
            {
                int n = tiles[3 * l];
                if (n < 0)
                {
                    for (int e = 0; e < Elements; e++) d[e * nr + l] = 0f;
                    continue;
                }
                int y0 = tiles[3 * l + 1] - p, x0 = tiles[3 * l + 2] - p;
                float* src = x + ((long)n * g.InChannels + c) * plane;
                if (y0 >= 0 && x0 >= 0 && y0 + InTile <= h && x0 + InTile <= w)
                {
                    float* s = src + (long)y0 * w + x0;
                    for (int i = 0; i < InTile; i++, s += w)
                    {
                        float* dd = d + i * InTile * nr + l;
                        dd[0] = s[0]; dd[nr] = s[1]; dd[2 * nr] = s[2]; dd[3 * nr] = s[3]; dd[4 * nr] = s[4]; dd[5 * nr] = s[5];
                    }
                    continue;
                }
                // Border tile: zero padding, and the part of the last tiles that hangs past the output.
                int jlo = Math.Max(0, -x0), jhi = Math.Min(InTile, w - x0);
                for (int i = 0; i < InTile; i++)
                {
                    float* dd = d + i * InTile * nr + l;
                    int r = y0 + i;
                    if ((uint)r >= (uint)h)
                    {
                        for (int j = 0; j < InTile; j++) dd[j * nr] = 0f;
                        continue;
                    }
                    float* s = src + (long)r * w + x0;
                    int j2 = 0;
                    for (; j2 < jlo; j2++) dd[j2 * nr] = 0f;
                    for (; j2 < jhi; j2++) dd[j2 * nr] = s[j2];
                    for (; j2 < InTile; j2++) dd[j2 * nr] = 0f;
                }
            }
            float* dst = v + c * channelStride;
            long stride = elementStride;
            if (Vector512.IsHardwareAccelerated) InputLanes<Lanes512, Vector512<float>>(d, nr, lanes, tmp, dst, stride);
            else if (Vector256.IsHardwareAccelerated) InputLanes<Lanes256, Vector256<float>>(d, nr, lanes, tmp, dst, stride);
            else if (Vector128.IsHardwareAccelerated) InputLanes<Lanes128, Vector128<float>>(d, nr, lanes, tmp, dst, stride);
            else InputLanes<LanesScalar, float>(d, nr, lanes, tmp, dst, stride);
        }
    }

    // Bᵀ d B for each lane: columns first (into tmp), then rows (into dst + ξ·stride).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InputLanes<TL, TV>(float* d, int nr, int lanes, float* tmp, float* dst, long stride)
        where TL : IWinogradLanes<TV> where TV : unmanaged
    {
        int count = TL.Count;
        for (int l = 0; l < lanes; l += count)
        {
            for (int j = 0; j < InTile; j++)
                Input1D<TL, TV>(d + j * nr + l, InTile * nr, tmp + j * count, InTile * count);
            for (int i = 0; i < InTile; i++)
                Input1D<TL, TV>(tmp + i * InTile * count, count, dst + i * InTile * stride + l, stride);
        }
    }

    // Bᵀ·(d0..d5) with Bᵀ rows (4,0,−5,0,1,0), (0,−4,−4,1,1,0), (0,4,−4,−1,1,0), (0,−2,−1,2,1,0), (0,2,−1,−2,1,0), (0,4,0,−5,0,1).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Input1D<TL, TV>(float* s, long ss, float* o, long os)
        where TL : IWinogradLanes<TV> where TV : unmanaged
    {
        TV d0 = TL.Load(s), d1 = TL.Load(s + ss), d2 = TL.Load(s + 2 * ss), d3 = TL.Load(s + 3 * ss), d4 = TL.Load(s + 4 * ss), d5 = TL.Load(s + 5 * ss);
        TV d42 = TL.Sub(d4, d2), d31 = TL.Mul(TL.Sub(d3, d1), 2f);
        TL.Store(o, TL.Add(TL.Sub(TL.Mul(d0, 4f), TL.Mul(d2, 5f)), d4));
        TL.Store(o + os, TL.Sub(TL.Add(d3, d4), TL.Mul(TL.Add(d1, d2), 4f)));
        TL.Store(o + 2 * os, TL.Add(TL.Sub(d4, d3), TL.Mul(TL.Sub(d1, d2), 4f)));
        TL.Store(o + 3 * os, TL.Add(d42, d31));
        TL.Store(o + 4 * os, TL.Sub(d42, d31));
        TL.Store(o + 5 * os, TL.Add(TL.Sub(TL.Mul(d1, 4f), TL.Mul(d3, 5f)), d5));
    }

    // Aᵀ M A (+ bias, ReLU) for output channels [o0, o1) of the panel, scattered into y [N,Cout,OutH,OutW].
    private static void TransformOutputPanel(in Plan plan, float* m, int* tiles, int o0, int o1, float* bias, bool relu, float* outTiles, float* tmp, float* y)
    {
        var g = plan.G;
        int nr = GemmBlocking.NR, oh = g.OutHeight, ow = g.OutWidth, cout = g.OutChannels;
        long mStride = (long)cout * nr, plane = (long)oh * ow;
        for (int o = o0; o < o1; o++)
        {
            float b = bias is null ? 0f : bias[o];
            float* src = m + (long)o * nr;
            if (Vector512.IsHardwareAccelerated) OutputLanes<Lanes512, Vector512<float>>(src, mStride, nr, b, relu, tmp, outTiles);
            else if (Vector256.IsHardwareAccelerated) OutputLanes<Lanes256, Vector256<float>>(src, mStride, nr, b, relu, tmp, outTiles);
            else if (Vector128.IsHardwareAccelerated) OutputLanes<Lanes128, Vector128<float>>(src, mStride, nr, b, relu, tmp, outTiles);
            else OutputLanes<LanesScalar, float>(src, mStride, nr, b, relu, tmp, outTiles);
            for (int l = 0; l < nr; l++)
            {
                int n = tiles[3 * l];
                if (n < 0) break;
                int r0 = tiles[3 * l + 1], q0 = tiles[3 * l + 2];
                int rows = Math.Min(OutTile, oh - r0), cols = Math.Min(OutTile, ow - q0);
                float* dst = y + ((long)n * cout + o) * plane + (long)r0 * ow + q0;
                float* t = outTiles + l;
                if (rows == OutTile && cols == OutTile)
                {
                    for (int i = 0; i < OutTile; i++, dst += ow, t += OutTile * nr)
                    {
                        dst[0] = t[0]; dst[1] = t[nr]; dst[2] = t[2 * nr]; dst[3] = t[3 * nr];
                    }
                    continue;
                }
                for (int i = 0; i < rows; i++, dst += ow)
                    for (int j = 0; j < cols; j++) dst[j] = t[(i * OutTile + j) * nr];
            }
        }
    }

    // Aᵀ M A for each lane of one output channel: M element ξ at src + ξ·stride; result [16, NR] in dst.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void OutputLanes<TL, TV>(float* src, long stride, int nr, float bias, bool relu, float* tmp, float* dst)
        where TL : IWinogradLanes<TV> where TV : unmanaged
    {
        int count = TL.Count;
        TV vb = TL.Splat(bias), zero = TL.Splat(0f);
        for (int l = 0; l < nr; l += count)
        {
            for (int j = 0; j < InTile; j++)
            {
                Output1D<TL, TV>(src + j * stride + l, InTile * stride, out var a0, out var a1, out var a2, out var a3);
                TL.Store(tmp + j * count, a0);
                TL.Store(tmp + (InTile + j) * count, a1);
                TL.Store(tmp + (2 * InTile + j) * count, a2);
                TL.Store(tmp + (3 * InTile + j) * count, a3);
            }
            for (int i = 0; i < OutTile; i++)
            {
                Output1D<TL, TV>(tmp + i * InTile * count, count, out var a0, out var a1, out var a2, out var a3);
                float* o = dst + i * OutTile * nr + l;
                a0 = TL.Add(a0, vb); a1 = TL.Add(a1, vb); a2 = TL.Add(a2, vb); a3 = TL.Add(a3, vb);
                if (relu) { a0 = TL.Max(a0, zero); a1 = TL.Max(a1, zero); a2 = TL.Max(a2, zero); a3 = TL.Max(a3, zero); }
                TL.Store(o, a0); TL.Store(o + nr, a1); TL.Store(o + 2 * nr, a2); TL.Store(o + 3 * nr, a3);
            }
        }
    }

    // Aᵀ·(m0..m5) with Aᵀ rows (1,1,1,1,1,0), (0,1,−1,2,−2,0), (0,1,1,4,4,0), (0,1,−1,8,−8,1).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Output1D<TL, TV>(float* s, long ss, out TV o0, out TV o1, out TV o2, out TV o3)
        where TL : IWinogradLanes<TV> where TV : unmanaged
    {
        TV m0 = TL.Load(s), m1 = TL.Load(s + ss), m2 = TL.Load(s + 2 * ss), m3 = TL.Load(s + 3 * ss), m4 = TL.Load(s + 4 * ss), m5 = TL.Load(s + 5 * ss);
        TV p12 = TL.Add(m1, m2), d12 = TL.Sub(m1, m2), p34 = TL.Add(m3, m4), d34 = TL.Sub(m3, m4);
        o0 = TL.Add(TL.Add(m0, p12), p34);
        o1 = TL.Add(d12, TL.Mul(d34, 2f));
        o2 = TL.Add(p12, TL.Mul(p34, 4f));
        o3 = TL.Add(TL.Add(d12, TL.Mul(d34, 8f)), m5);
    }
}
