using System.Numerics;
using System.Runtime.InteropServices;
using Mnist.Engine.Kernels.Common;
using Mnist.Engine.Kernels.Operators;
using Mnist.Engine.Kernels.Reference;

namespace Mnist.Engine.Kernels;

/// <summary>
/// Row-wise softmax and the fused softmax + cross-entropy loss of a classifier head, over [rows, cols] matrices
/// (rows = batch, cols = classes). The float path vectorises each row (max, e^(x - max), sum, scale) with the
/// <see cref="Common"/> drivers; other T use <see cref="ReferenceSoftmax"/>.
/// </summary>
public static class Softmax
{
    /// <summary>probs[r,c] = e^(x[r,c] - m_r) / Σ_c' e^(x[r,c'] - m_r) with m_r the row maximum (so no exponent overflows).</summary>
    /// <param name="logits">[rows, cols].</param>
    /// <param name="probs">[rows, cols]; may be the same span as <paramref name="logits"/>.</param>
    /// <param name="rows">≥ 0.</param>
    /// <param name="cols">≥ 1.</param>
    /// <remarks>A row containing NaN or +∞ gives NaN probabilities in that row; -∞ logits give probability 0.</remarks>
    /// <exception cref="ArgumentException">Bad dimensions, span lengths other than rows·cols, or partially overlapping spans.</exception>
    public static void SoftmaxRows<T>(ReadOnlySpan<T> logits, Span<T> probs, int rows, int cols) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckMatrix(logits, probs, rows, cols, nameof(logits), nameof(probs));
        if (typeof(T) != typeof(float))
        {
            ReferenceSoftmax.SoftmaxRows(logits, probs, rows, cols);
            return;
        }
        ReadOnlySpan<float> x = MemoryMarshal.Cast<T, float>(logits);
        Span<float> p = MemoryMarshal.Cast<T, float>(probs);
        for (int r = 0; r < rows; r++)
            SoftmaxRow(x.Slice(r * cols, cols), p.Slice(r * cols, cols));
    }

    /// <summary>
    /// Mean softmax cross-entropy over the rows, with optional label smoothing ε (PyTorch <c>CrossEntropyLoss(label_smoothing=ε)</c>,
    /// mean reduction): target = (1-ε)·onehot(label) + ε/cols, loss = mean_r Σ_c -target[r,c]·log softmax(x)[r,c].
    /// </summary>
    /// <param name="logits">[rows, cols].</param>
    /// <param name="labels">[rows], each in [0, cols).</param>
    /// <param name="rows">≥ 1.</param>
    /// <param name="cols">≥ 1.</param>
    /// <param name="labelSmoothing">ε in [0, 1].</param>
    /// <param name="probs">Receives softmax(logits) [rows, cols].</param>
    /// <param name="dLogits">Receives dLoss/dLogits = (probs - target) / rows [rows, cols] (overwritten, not accumulated).</param>
    /// <returns>The mean loss, accumulated in double. NaN logits give a NaN loss; a -∞ logit with nonzero target gives +∞.</returns>
    /// <exception cref="ArgumentException">Bad dimensions, a label outside [0, cols), ε outside [0, 1], or span lengths that do not match.</exception>
    public static double SoftmaxCrossEntropy<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> labels, int rows, int cols, double labelSmoothing,
        Span<T> probs, Span<T> dLogits) where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanChecks.RequireAtLeast(rows, 1, nameof(rows));
        CheckMatrix(logits, probs, rows, cols, nameof(logits), nameof(probs));
        SpanChecks.RequireLength(dLogits.Length, rows * cols, nameof(dLogits), "rows·cols");
        SpanChecks.RequireNoPartialOverlap(logits, dLogits, nameof(logits), nameof(dLogits));
        SpanChecks.RequireLength(labels.Length, rows, nameof(labels), "one per row");
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "Label smoothing must be in [0, 1].");
        for (int r = 0; r < rows; r++)
        {
            if (labels[r] < -1 || labels[r] >= cols)
                throw new ArgumentOutOfRangeException(nameof(labels), labels[r], $"labels[{r}] = {labels[r]} is not a class index in [0, {cols}) or -1 (none).");
        }
        if (typeof(T) != typeof(float))
            return ReferenceSoftmax.SoftmaxCrossEntropy(logits, labels, rows, cols, labelSmoothing, probs, dLogits);

        ReadOnlySpan<float> x = MemoryMarshal.Cast<T, float>(logits);
        Span<float> p = MemoryMarshal.Cast<T, float>(probs);
        Span<float> d = MemoryMarshal.Cast<T, float>(dLogits);
        double onTarget = 1 - labelSmoothing, uniform = labelSmoothing / cols, total = 0;
        float invRows = 1f / rows;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> xr = x.Slice(r * cols, cols);
            Span<float> pr = p.Slice(r * cols, cols), dr = d.Slice(r * cols, cols);
            // A row labelled -1 (none of the classes) has the uniform target: no one-hot part, all weight spread.
            bool none = labels[r] < 0;
            double rowOnTarget = none ? 0 : onTarget, rowUniform = none ? 1.0 / cols : uniform;
            // Read the row's logits before SoftmaxRow, which may overwrite them when probs aliases logits.
            float label = none ? 0f : xr[labels[r]];
            float rowSum = rowUniform != 0 ? AggregationDriver.Invoke<IdentityOperator, AddOperator>(xr) : 0f;
            (float max, float expSum) = SoftmaxRow(xr, pr);
            // -log p_c = logsumexp - x_c, and Σ_c target_c = 1, so the row loss is logsumexp - Σ_c target_c·x_c.
            double logSumExp = max + Math.Log(expSum);
            total += logSumExp - (rowOnTarget * label) - (rowUniform * rowSum);
            // dLogits = probs/rows - target/rows: scale, subtract the uniform part, then the one-hot part.
            BinaryDriver.Invoke<MultiplyOperator>(pr, invRows, dr);
            if (rowUniform != 0)
                BinaryDriver.Invoke<AddOperator>(dr, (float)(-rowUniform / rows), dr);
            if (!none) dr[labels[r]] -= (float)(onTarget / rows);
        }
        return total / rows;
    }

    // One row: p = e^(x - max) / Σ. Returns max and Σ for the loss. x and p may be the same span.
    private static (float Max, float Sum) SoftmaxRow(ReadOnlySpan<float> x, Span<float> p)
    {
        float max = AggregationDriver.Invoke<IdentityOperator, MaxOperator>(x);
        BinaryDriver.Invoke<SubtractExpOperator>(x, max, p);
        float sum = AggregationDriver.Invoke<IdentityOperator, AddOperator>(p);
        // One division per row, then a vector multiply.
        BinaryDriver.Invoke<MultiplyOperator>(p, 1f / sum, p);
        return (max, sum);
    }

    private static void CheckMatrix<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> output, int rows, int cols, string inputName, string outputName)
    {
        SpanChecks.RequireAtLeast(rows, 0, nameof(rows));
        SpanChecks.RequireAtLeast(cols, 1, nameof(cols));
        int length = SpanChecks.Product(rows, cols);
        SpanChecks.RequireLength(input.Length, length, inputName, $"rows·cols = {rows}·{cols}");
        SpanChecks.RequireLength(output.Length, length, outputName, $"rows·cols = {rows}·{cols}");
        SpanChecks.RequireNoPartialOverlap(input, output, inputName, outputName);
    }
}
