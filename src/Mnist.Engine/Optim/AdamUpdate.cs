using System.Numerics;
using System.Runtime.InteropServices;

namespace Mnist.Engine.Optim;

/// <summary>The elementwise Adam update shared by <see cref="Adam{T}"/> and <see cref="AdamW{T}"/>, in PyTorch's operation order.</summary>
internal static class AdamUpdate
{
    /// <summary>
    /// <code>
    /// w ← w·shrink                          (only if decoupled; AdamW)
    /// g ← g + l2·w                          (only if coupled;   Adam)
    /// m ← lerp(m, g, 1 − β1)
    /// v ← β2·v + ((1 − β2)·g)·g          (PyTorch's addcmul order)
    /// w ← w − stepSize · m / (√v / bc2Sqrt + ε)
    /// </code>
    /// lerp(a, b, c) is PyTorch's: a + c·(b − a) when c &lt; 0.5, else b − (b − a)·(1 − c).
    /// The first <paramref name="vectorized"/> elements (a multiple of <see cref="Vector{T}.Count"/>) use vectors.
    /// </summary>
    public static void Apply<T>(Span<T> w, ReadOnlySpan<T> g, Span<T> m, Span<T> v, int vectorized,
        double beta1, double beta2, double epsilon, double stepSize, double bc2Sqrt,
        double l2, double shrink)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T c = T.CreateChecked(1 - beta1);
        bool lowWeight = c < T.CreateChecked(0.5);
        T oneMinusC = T.One - c;
        T b2 = T.CreateChecked(beta2), oneMinusB2 = T.CreateChecked(1 - beta2);
        T eps = T.CreateChecked(epsilon), negStep = T.CreateChecked(-stepSize), bc2 = T.CreateChecked(bc2Sqrt);
        bool coupled = l2 != 0, decoupled = shrink != 1;
        T lambda = T.CreateChecked(l2), keep = T.CreateChecked(shrink);

        Vector<T> epsV = new(eps), bc2V = new(bc2);
        var wv = MemoryMarshal.Cast<T, Vector<T>>(w[..vectorized]);
        var gv = MemoryMarshal.Cast<T, Vector<T>>(g[..vectorized]);
        var mv = MemoryMarshal.Cast<T, Vector<T>>(m[..vectorized]);
        var vv = MemoryMarshal.Cast<T, Vector<T>>(v[..vectorized]);
        for (int i = 0; i < wv.Length; i++)
        {
            var wi = decoupled ? wv[i] * keep : wv[i];
            var gi = coupled ? gv[i] + lambda * wi : gv[i];
            var mi = lowWeight ? mv[i] + c * (gi - mv[i]) : gi - (gi - mv[i]) * oneMinusC;
            var vi = vv[i] * b2 + oneMinusB2 * gi * gi;
            mv[i] = mi;
            vv[i] = vi;
            wv[i] = wi + negStep * (mi / (Vector.SquareRoot(vi) / bc2V + epsV));
        }
        for (int i = vectorized; i < w.Length; i++)
        {
            T wi = decoupled ? w[i] * keep : w[i];
            T gi = coupled ? g[i] + lambda * wi : g[i];
            T mi = lowWeight ? m[i] + c * (gi - m[i]) : gi - (gi - m[i]) * oneMinusC;
            T vi = v[i] * b2 + oneMinusB2 * gi * gi;
            m[i] = mi;
            v[i] = vi;
            w[i] = wi + negStep * (mi / (T.Sqrt(vi) / bc2 + eps));
        }
    }
}
