using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Mnist.Engine.Kernels.Common;

namespace Mnist.Engine.Kernels;

// The 2×2, stride-2, unpadded max pool every MNIST network here uses, vectorized: four outputs at a
// time from two 8-float row loads, de-interleaved into the four window corners, with the same
// selection rule as the general loop (strict > keeps the first maximum; the first NaN wins) done
// with compare masks instead of branches, which random activations would mispredict half the time.
public static partial class Pooling
{
    private static bool IsHalving(Geometry g) => g.Kernel == 2 && g.Stride == 2 && g.Padding == 0;

    private static unsafe void MaxPool2x2(int planes, int height, int width, ReadOnlySpan<float> x, Span<float> y, Span<int> argmax)
    {
        int oh = height / 2, ow = width / 2;
        int planeIn = height * width, planeOut = oh * ow;
        fixed (float* xp0 = x, yp0 = y)
        fixed (int* ap0 = argmax)
        {
            float* xp = xp0, yp = yp0;
            int* ap = ap0;
            Parallelism.ForChunks(planes, (_, start, end) =>
            {
                for (int p = start; p < end; p++)
                {
                    float* plane = xp + (long)p * planeIn;
                    for (int i = 0; i < oh; i++)
                    {
                        int row0 = 2 * i * width;
                        MaxPool2x2Row(plane + row0, plane + row0 + width, yp + (long)p * planeOut + i * ow,
                            ap + (long)p * planeOut + i * ow, ow, p * planeIn + row0, width);
                    }
                }
            }, minItemsPerChunk: Math.Max(1, MinElementsPerChunk / Math.Max(1, planeIn)));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void MaxPool2x2Row(float* r0, float* r1, float* y, int* argmax, int ow, int baseIndex, int width)
    {
        int j = 0;
        for (; j + 4 <= ow; j += 4) MaxPool2x2Step(r0, r1, y, argmax, j, baseIndex, width);
        // The tail re-runs one vector step ending at the last window (identical values for the overlap): the scalar
        // Consider branches mispredict on random activations, and a 7-wide row would spend most of its time there.
        if (j < ow && ow >= 4)
        {
            MaxPool2x2Step(r0, r1, y, argmax, ow - 4, baseIndex, width);
            return;
        }
        for (; j < ow; j++)
        {
            int c0 = 2 * j;
            float best = r0[c0];
            int bestIndex = baseIndex + c0;
            Consider(r0[c0 + 1], baseIndex + c0 + 1, ref best, ref bestIndex);
            Consider(r1[c0], baseIndex + width + c0, ref best, ref bestIndex);
            Consider(r1[c0 + 1], baseIndex + width + c0 + 1, ref best, ref bestIndex);
            y[j] = best;
            argmax[j] = bestIndex;
        }
    }

    private static unsafe void MaxPool2x2Backward(int planes, int height, int width, ReadOnlySpan<float> dy, ReadOnlySpan<int> argmax, Span<float> dx)
    {
        int oh = height / 2, ow = width / 2;
        int planeIn = height * width, planeOut = oh * ow;
        fixed (float* dyp0 = dy, dxp0 = dx)
        fixed (int* ap0 = argmax)
        {
            float* dyp = dyp0, dxp = dxp0;
            int* ap = ap0;
            int bad = -1;
            Parallelism.ForChunks(planes, (_, start, end) =>
            {
                for (int p = start; p < end; p++)
                {
                    float* plane = dxp + (long)p * planeIn;
                    for (int i = 0; i < oh; i++)
                    {
                        int row0 = 2 * i * width;
                        long o = (long)p * planeOut + i * ow;
                        if (!MaxPool2x2BackwardRow(dyp + o, ap + o, plane + row0, plane + row0 + width, ow, p * planeIn + row0, width))
                            Volatile.Write(ref bad, p);
                        // An odd width leaves a last column that no window covers.
                        if ((width & 1) != 0) plane[row0 + width - 1] = plane[row0 + 2 * width - 1] = 0f;
                    }
                    if ((height & 1) != 0) new Span<float>(plane + (height - 1) * width, width).Clear();
                }
            }, minItemsPerChunk: Math.Max(1, MinElementsPerChunk / Math.Max(1, planeIn)));
            if (bad >= 0) throw new ArgumentException($"An argmax index of plane {bad} lies outside its 2×2 window.", nameof(argmax));
        }
    }

    // Writes the four cells of each window of one output row: dy where the window's argmax points, +0 elsewhere
    // (0 + dy, as zeroing then scattering would give, so a −0 gradient becomes +0 there too). False when an argmax
    // index is not one of its window's four cells.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe bool MaxPool2x2BackwardRow(float* dy, int* argmax, float* r0, float* r1, int ow, int baseIndex, int width)
    {
        bool ok = true;
        int j = 0;
        for (; j + 4 <= ow; j += 4) ok &= MaxPool2x2BackwardStep(dy, argmax, r0, r1, j, baseIndex, width);
        if (j < ow && ow >= 4) return ok & MaxPool2x2BackwardStep(dy, argmax, r0, r1, ow - 4, baseIndex, width);
        for (; j < ow; j++)
        {
            int c = baseIndex + 2 * j, a = argmax[j];
            float g = 0f + dy[j];
            ok &= a == c || a == c + 1 || a == c + width || a == c + width + 1;
            r0[2 * j] = a == c ? g : 0f;
            r0[2 * j + 1] = a == c + 1 ? g : 0f;
            r1[2 * j] = a == c + width ? g : 0f;
            r1[2 * j + 1] = a == c + width + 1 ? g : 0f;
        }
        return ok;
    }

    // Four windows: their dy and window-relative argmax are duplicated into 8 lanes (left, right cell of each window)
    // and selected by comparing against the cell offsets of the top row (0, 1) and the bottom row (width, width + 1).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe bool MaxPool2x2BackwardStep(float* dy, int* argmax, float* r0, float* r1, int j, int baseIndex, int width)
    {
        var pairs = Vector256.Create(0, 0, 1, 1, 2, 2, 3, 3);
        var rel = Vector128.Load(argmax + j) - (Vector128.Create(baseIndex + 2 * j) + Vector128.Create(0, 2, 4, 6));
        var relPairs = Vector256.Shuffle(Vector256.Create(rel, rel), pairs);
        var g = Vector128.Load(dy + j) + Vector128<float>.Zero;
        var gPairs = Vector256.Shuffle(Vector256.Create(g, g), pairs);
        var leftRight = Vector256.Create(0, 1, 0, 1, 0, 1, 0, 1);
        var top = Vector256.Equals(relPairs, leftRight);
        var bottom = Vector256.Equals(relPairs, leftRight + Vector256.Create(width));
        Vector256.ConditionalSelect(top.AsSingle(), gPairs, Vector256<float>.Zero).Store(r0 + 2 * j);
        Vector256.ConditionalSelect(bottom.AsSingle(), gPairs, Vector256<float>.Zero).Store(r1 + 2 * j);
        var inWindow = Vector128.Equals(rel, Vector128<int>.Zero) | Vector128.Equals(rel, Vector128<int>.One)
            | Vector128.Equals(rel, Vector128.Create(width)) | Vector128.Equals(rel, Vector128.Create(width + 1));
        return inWindow == Vector128<int>.AllBitsSet;
    }

    // Four windows from two 8-float row loads. Lanes 0-3 take the even (left) cells of 4 windows, lanes 4-7 the odd (right) cells.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void MaxPool2x2Step(float* r0, float* r1, float* y, int* argmax, int j, int baseIndex, int width)
    {
        var evenOdd = Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7);
        var top = Vector256.Shuffle(Vector256.Load(r0 + 2 * j), evenOdd);
        var bottom = Vector256.Shuffle(Vector256.Load(r1 + 2 * j), evenOdd);
        Vector128<float> best = top.GetLower();
        Vector128<int> corner = Vector128<int>.Zero;
        Select(ref best, ref corner, top.GetUpper(), 1);
        Select(ref best, ref corner, bottom.GetLower(), 2);
        Select(ref best, ref corner, bottom.GetUpper(), 3);
        best.Store(y + j);
        // Flat input index: row offset for the bottom corners, +1 for the right ones.
        var index = Vector128.Create(baseIndex + 2 * j) + Vector128.Create(0, 2, 4, 6)
            + ((corner >>> 1) * Vector128.Create(width)) + (corner & Vector128<int>.One);
        index.Store(argmax + j);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Select(ref Vector128<float> best, ref Vector128<int> corner, Vector128<float> candidate, int cornerIndex)
    {
        // candidate > best, or candidate is NaN while best is not: (c > b) | (c != c & b == b).
        var isNan = ~Vector128.Equals(candidate, candidate);
        var bestIsNumber = Vector128.Equals(best, best);
        var take = Vector128.GreaterThan(candidate, best) | (isNan & bestIsNumber);
        best = Vector128.ConditionalSelect(take, candidate, best);
        corner = Vector128.ConditionalSelect(take.AsInt32(), Vector128.Create(cornerIndex), corner);
    }

    private static void Consider(float v, int index, ref float best, ref int bestIndex)
    {
        if (v > best || (float.IsNaN(v) && !float.IsNaN(best)))
        {
            best = v;
            bestIndex = index;
        }
    }
}
