using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Mnist.Engine.Kernels.Common;
using Mnist.Engine.Kernels.Operators;
using Mnist.Engine.Kernels.Reference;

namespace Mnist.Engine.Kernels;

/// <summary>
/// Element-wise maps, reductions and bias helpers over flat spans. For <c>float</c> each method runs a SIMD
/// driver (widest accelerated of Vector512/256/128, scalar tail); for any other T (i.e. <c>double</c>, used by
/// gradient checks) it runs the naive loop in <see cref="ReferenceElementwise"/>, which is also the test oracle.
/// Every method validates span lengths first and throws <see cref="ArgumentException"/> on a mismatch.
/// Outputs may be the same span as an input (in place) but must not partially overlap one.
/// </summary>
public static class Elementwise
{
    /// <summary>y = max(x, 0). <paramref name="x"/> and <paramref name="y"/> may be the same span.</summary>
    /// <remarks>NaN propagates (relu(NaN) = NaN, as in PyTorch); -0 becomes +0.</remarks>
    /// <exception cref="ArgumentException">Lengths differ, or the spans partially overlap.</exception>
    public static void Relu<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckUnary(x, y, nameof(x), nameof(y));
        if (typeof(T) == typeof(float))
            UnaryDriver.Invoke<ReluOperator>(AsFloat(x), AsFloat(y));
        else
            ReferenceElementwise.Relu(x, y);
    }

    /// <summary>dx = y &gt; 0 ? dy : 0 (overwrites <paramref name="dx"/>), where y is the forward output of <see cref="Relu{T}"/>.</summary>
    /// <remarks>Where y is NaN the gradient is 0. <paramref name="dx"/> may be the same span as <paramref name="dy"/>.</remarks>
    /// <exception cref="ArgumentException">Lengths differ, or <paramref name="dx"/> partially overlaps an input.</exception>
    public static void ReluBackward<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckBinary(y, dy, dx, nameof(y), nameof(dy), nameof(dx));
        if (typeof(T) == typeof(float))
            BinaryDriver.Invoke<ReluBackwardOperator>(AsFloat(y), AsFloat(dy), AsFloat(dx));
        else
            ReferenceElementwise.ReluBackward(y, dy, dx);
    }

    /// <summary>y = a + b, element by element.</summary>
    /// <exception cref="ArgumentException">Lengths differ, or <paramref name="y"/> partially overlaps an input.</exception>
    public static void Add<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckBinary(a, b, y, nameof(a), nameof(b), nameof(y));
        if (typeof(T) == typeof(float))
            BinaryDriver.Invoke<AddOperator>(AsFloat(a), AsFloat(b), AsFloat(y));
        else
            ReferenceElementwise.Add(a, b, y);
    }

    /// <summary>y = a · b, element by element.</summary>
    /// <exception cref="ArgumentException">Lengths differ, or <paramref name="y"/> partially overlaps an input.</exception>
    public static void Multiply<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckBinary(a, b, y, nameof(a), nameof(b), nameof(y));
        if (typeof(T) == typeof(float))
            BinaryDriver.Invoke<MultiplyOperator>(AsFloat(a), AsFloat(b), AsFloat(y));
        else
            ReferenceElementwise.Multiply(a, b, y);
    }

    /// <summary>y += alpha · x (BLAS axpy). The product is rounded before the add (not fused), on every ISA.</summary>
    /// <exception cref="ArgumentException">Lengths differ, or the spans partially overlap.</exception>
    public static void Axpy<T>(T alpha, ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckUnary(x, y, nameof(x), nameof(y));
        if (typeof(T) == typeof(float))
            TernaryDriver.Invoke<MultiplyAddOperator>(AsFloat(x), Unsafe.BitCast<T, float>(alpha), AsFloat(y), AsFloat(y));
        else
            ReferenceElementwise.Axpy(alpha, x, y);
    }

    /// <summary>x *= alpha, in place.</summary>
    public static void Scale<T>(T alpha, Span<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
            BinaryDriver.Invoke<MultiplyOperator>(AsFloat((ReadOnlySpan<T>)x), Unsafe.BitCast<T, float>(alpha), AsFloat(x));
        else
            ReferenceElementwise.Scale(alpha, x);
    }

    /// <summary>y = tanh x (forward only, for imported ONNX models). NaN propagates; ±∞ gives ±1.</summary>
    /// <remarks>The float SIMD path is within a few ulps of <see cref="MathF.Tanh"/>.</remarks>
    /// <exception cref="ArgumentException">Lengths differ, or the spans partially overlap.</exception>
    public static void Tanh<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckUnary(x, y, nameof(x), nameof(y));
        if (typeof(T) == typeof(float))
            UnaryDriver.Invoke<TanhOperator>(AsFloat(x), AsFloat(y));
        else
            ReferenceElementwise.Tanh(x, y);
    }

    /// <summary>y = 1 / (1 + e^-x) (forward only, for imported ONNX models). NaN propagates; -∞ gives 0, +∞ gives 1.</summary>
    /// <exception cref="ArgumentException">Lengths differ, or the spans partially overlap.</exception>
    public static void Sigmoid<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckUnary(x, y, nameof(x), nameof(y));
        if (typeof(T) == typeof(float))
            UnaryDriver.Invoke<SigmoidOperator>(AsFloat(x), AsFloat(y));
        else
            ReferenceElementwise.Sigmoid(x, y);
    }

    /// <summary>Σ x; 0 for an empty span. NaN if any element is NaN.</summary>
    /// <remarks>The float path sums in vector lanes, so its rounding differs slightly from a left-to-right sum
    /// and between vector widths, but is fixed for a given width (single-threaded, fixed order).</remarks>
    public static T Sum<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float)
            ? Unsafe.BitCast<float, T>(AggregationDriver.Invoke<IdentityOperator, AddOperator>(AsFloat(x)))
            : ReferenceElementwise.Sum(x);

    /// <summary>max x. NaN if any element is NaN; +0 is greater than -0.</summary>
    /// <exception cref="ArgumentException"><paramref name="x"/> is empty.</exception>
    public static T Max<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.IsEmpty)
            throw new ArgumentException("The maximum of an empty span is undefined.", nameof(x));
        return typeof(T) == typeof(float)
            ? Unsafe.BitCast<float, T>(AggregationDriver.Invoke<IdentityOperator, MaxOperator>(AsFloat(x)))
            : ReferenceElementwise.Max(x);
    }

    /// <summary>Σ a·b; 0 for empty spans.</summary>
    /// <exception cref="ArgumentException">Lengths differ.</exception>
    public static T Dot<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanChecks.RequireSameLength(a.Length, b.Length, nameof(a), nameof(b));
        return typeof(T) == typeof(float)
            ? Unsafe.BitCast<float, T>(AggregationDriver.Invoke<MultiplyOperator, AddOperator>(AsFloat(a), AsFloat(b)))
            : ReferenceElementwise.Dot(a, b);
    }

    /// <summary>Σ x² (squared L2 norm); 0 for an empty span.</summary>
    public static T SumOfSquares<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float)
            ? Unsafe.BitCast<float, T>(AggregationDriver.Invoke<SquareOperator, AddOperator>(AsFloat(x)))
            : ReferenceElementwise.SumOfSquares(x);

    /// <summary>y[n,c,s] += bias[c] for <paramref name="y"/> of shape [batch, channels, spatial] (NCHW with spatial = H·W).</summary>
    /// <exception cref="ArgumentException">A dimension is negative or a span length does not match the shape.</exception>
    public static void AddChannelBias<T>(Span<T> y, ReadOnlySpan<T> bias, int batch, int channels, int spatial) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckChannels(y.Length, bias.Length, batch, channels, spatial, nameof(y), nameof(bias));
        if (typeof(T) != typeof(float))
        {
            ReferenceElementwise.AddChannelBias(y, bias, batch, channels, spatial);
            return;
        }
        Span<float> yf = AsFloat(y);
        ReadOnlySpan<float> bf = AsFloat(bias);
        for (int n = 0; n < batch; n++)
            for (int c = 0; c < channels; c++)
            {
                Span<float> plane = yf.Slice(((n * channels) + c) * spatial, spatial);
                BinaryDriver.Invoke<AddOperator>(plane, bf[c], plane);
            }
    }

    /// <summary>sums[c] += Σ_{n,s} dy[n,c,s] for <paramref name="dy"/> of shape [batch, channels, spatial] (bias gradient of a convolution).</summary>
    /// <remarks>Accumulates: the caller zeroes <paramref name="sums"/>. Per channel, the planes are summed in batch order.</remarks>
    /// <exception cref="ArgumentException">A dimension is negative or a span length does not match the shape.</exception>
    public static void AccumulateChannelSums<T>(ReadOnlySpan<T> dy, Span<T> sums, int batch, int channels, int spatial) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckChannels(dy.Length, sums.Length, batch, channels, spatial, nameof(dy), nameof(sums));
        if (typeof(T) != typeof(float))
        {
            ReferenceElementwise.AccumulateChannelSums(dy, sums, batch, channels, spatial);
            return;
        }
        ReadOnlySpan<float> df = AsFloat(dy);
        Span<float> sf = AsFloat(sums);
        for (int c = 0; c < channels; c++)
        {
            float s = 0f;
            for (int n = 0; n < batch; n++)
                s += AggregationDriver.Invoke<IdentityOperator, AddOperator>(df.Slice(((n * channels) + c) * spatial, spatial));
            sf[c] += s;
        }
    }

    /// <summary>y[r,c] += bias[c] for <paramref name="y"/> of shape [rows, cols] (bias of a linear layer).</summary>
    /// <exception cref="ArgumentException">A dimension is negative or a span length does not match the shape.</exception>
    public static void AddRowBias<T>(Span<T> y, ReadOnlySpan<T> bias, int rows, int cols) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckRows(y.Length, bias.Length, rows, cols, nameof(y), nameof(bias));
        if (typeof(T) != typeof(float))
        {
            ReferenceElementwise.AddRowBias(y, bias, rows, cols);
            return;
        }
        Span<float> yf = AsFloat(y);
        ReadOnlySpan<float> bf = AsFloat(bias);
        for (int r = 0; r < rows; r++)
        {
            Span<float> row = yf.Slice(r * cols, cols);
            BinaryDriver.Invoke<AddOperator>(row, bf, row);
        }
    }

    /// <summary>sums[c] += Σ_r dy[r,c] for <paramref name="dy"/> of shape [rows, cols] (bias gradient of a linear layer).</summary>
    /// <remarks>Accumulates: the caller zeroes <paramref name="sums"/>. Rows are added in order.</remarks>
    /// <exception cref="ArgumentException">A dimension is negative or a span length does not match the shape.</exception>
    public static void AccumulateColumnSums<T>(ReadOnlySpan<T> dy, Span<T> sums, int rows, int cols) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckRows(dy.Length, sums.Length, rows, cols, nameof(dy), nameof(sums));
        if (typeof(T) != typeof(float))
        {
            ReferenceElementwise.AccumulateColumnSums(dy, sums, rows, cols);
            return;
        }
        ReadOnlySpan<float> df = AsFloat(dy);
        Span<float> sf = AsFloat(sums);
        // Row-wise vector adds into sums; per column that is still the plain row order r = 0, 1, …
        for (int r = 0; r < rows; r++)
            BinaryDriver.Invoke<AddOperator>(sf, df.Slice(r * cols, cols), sf);
    }

    private static ReadOnlySpan<float> AsFloat<T>(ReadOnlySpan<T> x) where T : unmanaged => MemoryMarshal.Cast<T, float>(x);

    private static Span<float> AsFloat<T>(Span<T> x) where T : unmanaged => MemoryMarshal.Cast<T, float>(x);

    private static void CheckUnary<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, string xName, string yName)
    {
        SpanChecks.RequireLength(y.Length, x.Length, yName, $"one per element of '{xName}'");
        SpanChecks.RequireNoPartialOverlap(x, y, xName, yName);
    }

    private static void CheckBinary<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> y, string aName, string bName, string yName)
    {
        SpanChecks.RequireSameLength(a.Length, b.Length, aName, bName);
        CheckUnary(a, y, aName, yName);
        SpanChecks.RequireNoPartialOverlap(b, y, bName, yName);
    }

    private static void CheckChannels(int dataLength, int channelLength, int batch, int channels, int spatial, string dataName, string channelName)
    {
        SpanChecks.RequireAtLeast(batch, 0, nameof(batch));
        SpanChecks.RequireAtLeast(channels, 0, nameof(channels));
        SpanChecks.RequireAtLeast(spatial, 0, nameof(spatial));
        SpanChecks.RequireLength(dataLength, SpanChecks.Product(batch, channels, spatial), dataName, $"batch·channels·spatial = {batch}·{channels}·{spatial}");
        SpanChecks.RequireLength(channelLength, channels, channelName, "one per channel");
    }

    private static void CheckRows(int dataLength, int columnLength, int rows, int cols, string dataName, string columnName)
    {
        SpanChecks.RequireAtLeast(rows, 0, nameof(rows));
        SpanChecks.RequireAtLeast(cols, 0, nameof(cols));
        SpanChecks.RequireLength(dataLength, SpanChecks.Product(rows, cols), dataName, $"rows·cols = {rows}·{cols}");
        SpanChecks.RequireLength(columnLength, cols, columnName, "one per column");
    }
}
